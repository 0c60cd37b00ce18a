import Foundation

/// Every stored entity's fields digest, by its `StableHash.entity`, kept as 4,096 rows: one per
/// bucket of the hash's first 12 bits, each the bucket's (entity, digest) pairs in entity order as
/// one blob. A row per entity cost a first approval, and a replay, a b-tree insert per entity
/// (0.7 s for a million); a bucket is read and written whole, about 4 KB for a million entities.
/// The buckets are fixed, so the pages are the same bytes however the digests came to be.
enum DigestPages {
    static let table = "state_digest_pages"
    private static let bucketBits: UInt64 = 12
    private static let pairSize = 16

    private static func bucket(of entity: Int64) -> Int64 { Int64(UInt64(bitPattern: entity) >> (64 - bucketBits)) }

    /// Every digest.
    static func load(from tables: any StateTables) throws -> DigestTable {
        var digests = DigestTable(capacity: try tables.digestPagesSize() / pairSize)
        try tables.forEachDigestPage { page in forEachPair(in: page) { digests.insert($0, $1) } }
        return digests
    }

    /// Sets the digests of `changes`, which are in entity order; nil removes an entity's.
    static func write(_ changes: [(entity: Int64, digest: Int64?)], to tables: any StateTablesWriter) throws {
        var runs: [(bucket: Int64, changes: ArraySlice<(entity: Int64, digest: Int64?)>)] = []
        var start = changes.startIndex
        while start < changes.endIndex {
            let bucket = bucket(of: changes[start].entity)
            var end = start + 1
            while end < changes.endIndex, Self.bucket(of: changes[end].entity) == bucket { end += 1 }
            runs.append((bucket, changes[start..<end]))
            start = end
        }
        let stored = try tables.digestPages(runs.map(\.bucket))
        try tables.writeDigestPages(runs.map { run in
            var pairs: [(entity: Int64, digest: Int64)] = []
            stored[run.bucket]?.withUnsafeBytes { bytes in forEachPair(in: bytes) { pairs.append(($0, $1)) } }
            let merged = merge(pairs, run.changes)
            return (run.bucket, merged.isEmpty ? nil : encode(merged))
        })
    }

    /// `stored` with `changes` applied, both in entity order.
    private static func merge(_ stored: [(entity: Int64, digest: Int64)], _ changes: ArraySlice<(entity: Int64, digest: Int64?)>) -> [(entity: Int64, digest: Int64)] {
        var merged: [(entity: Int64, digest: Int64)] = []
        merged.reserveCapacity(stored.count + changes.count)
        var (old, new) = (stored.startIndex, changes.startIndex)
        while old < stored.endIndex || new < changes.endIndex {
            if new == changes.endIndex || (old < stored.endIndex && stored[old].entity < changes[new].entity) {
                merged.append(stored[old])
                old += 1
                continue
            }
            if old < stored.endIndex, stored[old].entity == changes[new].entity { old += 1 }
            // The last of an entity's changes is the one that holds.
            if merged.last?.entity == changes[new].entity { merged.removeLast() }
            if let digest = changes[new].digest { merged.append((changes[new].entity, digest)) }
            new += 1
        }
        return merged
    }

    private static func encode(_ pairs: [(entity: Int64, digest: Int64)]) -> Data {
        var data = Data(count: pairs.count * pairSize)
        data.withUnsafeMutableBytes { bytes in
            for (index, pair) in pairs.enumerated() {
                bytes.storeBytes(of: pair.entity.littleEndian, toByteOffset: index * pairSize, as: Int64.self)
                bytes.storeBytes(of: pair.digest.littleEndian, toByteOffset: index * pairSize + 8, as: Int64.self)
            }
        }
        return data
    }

    private static func forEachPair(in bytes: UnsafeRawBufferPointer, _ body: (_ entity: Int64, _ digest: Int64) -> Void) {
        for offset in stride(from: 0, to: bytes.count - pairSize + 1, by: pairSize) {
            body(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)),
                 Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self)))
        }
    }
}
