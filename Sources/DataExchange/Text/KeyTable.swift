#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings (the keys of accounts, meters, registers…) into dense ids, in one arena,
/// so that following 166,000 records' entities through a file costs a few megabytes and no String
/// or Swift `Hasher` per record.
///
/// A table of a million keys is mostly cache misses, so a look-up is laid out to make two: its
/// slot, which holds half of the key's hash and where the key is, and the key's entry in the
/// arena, which holds its id and length before its bytes.
struct KeyTable: Sendable {
    typealias ID = Int32
    static let separator: UInt8 = 0x1F

    /// Each key's entry: its id and its length (four bytes each), then its bytes.
    private var arena: [UInt8] = []
    private static let header = 8
    /// For each id, where its entry starts in `arena`.
    private var entries: [UInt32] = []
    /// Open addressing: each slot holds the high half of its key's hash and, in its low half,
    /// where the key's entry starts in `arena` + 1; or 0 when it is empty.
    private var slots: [UInt64]
    private var mask: Int

    /// A table sized for `capacity` keys of about `keyLength` bytes, so that filling it does
    /// not copy it.
    init(capacity: Int = 1024, keyLength: Int = 12) {
        var size = 16
        while size * 3 < capacity * 4 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        arena.reserveCapacity(capacity * (Self.header + keyLength))
        entries.reserveCapacity(capacity)
    }

    var count: Int { entries.count }

    func id(of key: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> ID? {
        find(key, hash: hash ?? Self.hash(key)).found
    }

    /// The key's id, adding the key when it is new.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> ID {
        let hash = hash ?? Self.hash(key)
        let (slot, found) = find(key, hash: hash)
        if let found { return found }
        let id = ID(entries.count)
        let entry = arena.count
        precondition(entry + Self.header + key.count < Int(UInt32.max), "A key table holds less than 4 GB of keys.")
        withUnsafeBytes(of: (UInt32(id).littleEndian, UInt32(key.count).littleEndian)) { arena.append(contentsOf: $0) }
        arena.append(contentsOf: key)
        entries.append(UInt32(entry))
        slots[slot] = Self.slot(entry, hash: hash)
        if entries.count * 4 > slots.count * 3 { grow() }
        return id
    }

    /// `first` and `second` joined by a unit separator, in `joined`: the key of a service point
    /// or a register.
    static func join(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>, into joined: inout [UInt8]) {
        joined.removeAll(keepingCapacity: true)
        joined.append(contentsOf: first)
        joined.append(separator)
        joined.append(contentsOf: second)
    }

    func key(_ id: ID) -> [UInt8] {
        arena.withUnsafeBufferPointer { Array(Self.key(atEntry: Int(entries[Int(id)]), in: $0)) }
    }

    /// The bytes of the key whose entry starts at `entry`.
    private static func key(atEntry entry: Int, in arena: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let length = Int(UInt32(littleEndian: UnsafeRawBufferPointer(arena).loadUnaligned(fromByteOffset: entry + 4, as: UInt32.self)))
        return UnsafeBufferPointer(rebasing: arena[(entry + header)..<(entry + header + length)])
    }

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    private static func slot(_ entry: Int, hash: UInt64) -> UInt64 { hash & tagMask | UInt64(entry + 1) }

    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, found: ID?) {
        let tag = hash & Self.tagMask
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                var slot = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let value = slots[slot]
                    if value == 0 { return (slot, nil) }
                    if value & Self.tagMask == tag {
                        let entry = Int(truncatingIfNeeded: value & ~Self.tagMask) - 1
                        let candidate = Self.key(atEntry: entry, in: arena)
                        if candidate.count == key.count && (key.isEmpty || memcmp(candidate.baseAddress!, key.baseAddress!, key.count) == 0) {
                            return (slot, ID(UInt32(littleEndian: UnsafeRawBufferPointer(arena).loadUnaligned(fromByteOffset: entry, as: UInt32.self))))
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = []
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for entry in entries {
            let hash = arena.withUnsafeBufferPointer { Self.hash(Self.key(atEntry: Int(entry), in: $0)) }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Self.slot(Int(entry), hash: hash)
        }
    }

    /// A fast 64-bit hash of bytes, eight at a time.
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        let raw = UnsafeRawBufferPointer(key)
        while i + 8 <= key.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 29
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        return hash ^ (hash >> 32)
    }
}
