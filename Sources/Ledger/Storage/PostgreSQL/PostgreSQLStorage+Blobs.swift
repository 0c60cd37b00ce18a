import Foundation

/// Blobs in the database, so that any server serves any download (docs/decisions/0025).
extension PostgreSQLStorage: SharedBlobs {
    /// A row holds at most this much of a blob: no row holds a large file whole, and a read
    /// streams.
    static let blobChunkSize = 1 << 20

    var sharedBlobs: (any SharedBlobs)? { self }

    func putBlob(_ reference: BlobReference, contentsOf file: URL) throws {
        guard let input = FileHandle(forReadingAtPath: file.path) else { throw LedgerError(.notFound, "Cannot read \(file.path).") }
        defer { try? input.close() }
        try write { connection in
            // The same bytes stored by two servers at once: the second waits for the first to
            // commit, then finds them stored.
            try connection.lockForTransaction(advisoryKey: Self.blobLock(reference))
            guard try connection.execute("SELECT 1 FROM blobs WHERE sha256 = $1", [.text(reference.sha256)]).isEmpty else { return }
            try connection.binaryCopy(into: "blob_chunks", columns: ["sha256", "chunk", "data"]) { writer in
                var chunk: Int32 = 0
                while let piece = try input.read(upToCount: Self.blobChunkSize), !piece.isEmpty {
                    writer.writeText(reference.sha256)
                    writer.writeInteger(chunk)
                    piece.withUnsafeBytes { writer.writeBytes($0) }
                    try writer.endRow()
                    chunk += 1
                }
            }
            try connection.execute("INSERT INTO blobs (sha256, size) VALUES ($1, $2)", [.text(reference.sha256), .integer(Int64(reference.size))])
        }
    }

    func readBlob(_ reference: BlobReference, _ body: (Data) throws -> Void) throws {
        try read { connection in
            guard try !connection.execute("SELECT 1 FROM blobs WHERE sha256 = $1", [.text(reference.sha256)]).isEmpty else {
                throw LedgerError(.notFound, "The stored file \(reference.sha256) is not in the ledger's database.")
            }
            // A few chunks at a time, so that a large file is never in memory whole.
            try connection.transaction {
                try connection.forEachRow("SELECT data FROM blob_chunks WHERE sha256 = $1 ORDER BY chunk", [.text(reference.sha256)], batch: 4) { row in
                    try body(row.data(0))
                }
            }
        }
    }

    /// The advisory lock of storing one blob: its hash's first 64 bits.
    private static func blobLock(_ reference: BlobReference) -> Int64 {
        Int64(bitPattern: UInt64(reference.sha256.prefix(16), radix: 16) ?? 0)
    }
}
