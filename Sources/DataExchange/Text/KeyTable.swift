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
/// arena, its length before its bytes.
///
/// The scan's memory bound is mostly these tables, so they keep about 12 bytes beside each key's
/// bytes (decision 0032). The slots grow as keys come, by a quarter, and growing them reads no
/// key (a key's place among the slots is its tag scaled to their count), so they need not be
/// sized for a file's records beforehand. An entry's length is one byte for a key shorter than
/// 128. Ids are not stored: only where every 16th id's entry starts, so a key found has its id
/// counted from the nearest of those, and an id its key.
struct KeyTable: Sendable {
    typealias ID = Int32
    static let separator: UInt8 = 0x1F

    /// Each key's entry, in the order of their ids: its length (LEB128: one byte below 128), then its bytes.
    private var arena: [UInt8] = []
    /// Where the entry of every `checkpointStride`-th id starts in `arena`.
    private var checkpoints: [UInt32] = []
    private static let checkpointStride = 16
    private(set) var count = 0
    /// Open addressing: each slot holds the high half of its key's hash and, in its low half,
    /// where the key's entry starts in `arena` + 1; or 0 when it is empty. A key's first slot is
    /// its high half scaled to the slots' count, so the slots can be laid out again from themselves.
    private var slots: [UInt64] = [UInt64](repeating: 0, count: 64)

    /// A table whose arena is reserved for `capacity` keys of about `keyLength` bytes, so that
    /// filling it does not copy it; the reservation takes memory only as keys fill it.
    init(capacity: Int = 1024, keyLength: Int = 12) {
        arena.reserveCapacity(capacity * (1 + keyLength))
        checkpoints.reserveCapacity(capacity / Self.checkpointStride + 1)
    }

    func id(of key: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> ID? {
        find(key, hash: hash ?? Self.hash(key)).found
    }

    /// The key's id, adding the key when it is new.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> ID {
        let hash = hash ?? Self.hash(key)
        let (slot, found) = find(key, hash: hash)
        if let found { return found }
        let id = ID(count)
        let entry = arena.count
        precondition(entry + 5 + key.count < Int(UInt32.max), "A key table holds less than 4 GB of keys.")
        if count % Self.checkpointStride == 0 { checkpoints.append(UInt32(entry)) }
        var length = key.count
        while length >= 0x80 {
            arena.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        arena.append(UInt8(length))
        arena.append(contentsOf: key)
        count += 1
        slots[slot] = Self.slot(entry, hash: hash)
        // At most four slots in five full: a new key's probe then stays within a cache line or two.
        if count * 5 > slots.count * 4 { grow() }
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

    /// The key of `id`, stepped to from the nearest indexed entry.
    func key(_ id: ID) -> [UInt8] {
        arena.withUnsafeBufferPointer { arena in
            var entry = Int(checkpoints[Int(id) / Self.checkpointStride])
            for _ in 0..<(Int(id) % Self.checkpointStride) { entry = Self.key(atEntry: entry, in: arena).end }
            let bytes = Self.key(atEntry: entry, in: arena)
            return Array(arena[bytes.start..<bytes.end])
        }
    }

    /// Where the bytes of the key whose entry starts at `entry` are in the arena.
    @inline(__always)
    private static func key(atEntry entry: Int, in arena: UnsafeBufferPointer<UInt8>) -> (start: Int, end: Int) {
        var cursor = entry
        var length = Int(arena[cursor])
        cursor += 1
        if length >= 0x80 {
            length &= 0x7F
            var shift = 7
            while true {
                let byte = Int(arena[cursor])
                cursor += 1
                length |= (byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
        }
        return (cursor, cursor + length)
    }

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    private static func slot(_ entry: Int, hash: UInt64) -> UInt64 { hash & tagMask | UInt64(entry + 1) }

    /// The first slot to look in for a key of this hash (or this slot value): its high half
    /// scaled to the slots' count.
    @inline(__always)
    private static func home(_ hash: UInt64, slotCount: Int) -> Int {
        Int(truncatingIfNeeded: ((hash >> 32) &* UInt64(slotCount)) >> 32)
    }

    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, found: ID?) {
        let tag = hash & Self.tagMask
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                var slot = Self.home(hash, slotCount: slots.count)
                while true {
                    let value = slots[slot]
                    if value == 0 { return (slot, nil) }
                    if value & Self.tagMask == tag {
                        let entry = Int(truncatingIfNeeded: value & ~Self.tagMask) - 1
                        let (start, end) = Self.key(atEntry: entry, in: arena)
                        if end - start == key.count && (key.isEmpty || memcmp(arena.baseAddress! + start, key.baseAddress!, key.count) == 0) {
                            return (slot, id(ofEntry: entry, in: arena))
                        }
                    }
                    slot += 1
                    if slot == slots.count { slot = 0 }
                }
            }
        }
    }

    /// The id of the key whose entry starts at `entry`: the indexed entry at or before it (the
    /// index is tens of kilobytes, mostly in cache), then the entries up to it counted.
    private func id(ofEntry entry: Int, in arena: UnsafeBufferPointer<UInt8>) -> ID {
        let target = UInt32(entry)
        var (low, high) = (0, checkpoints.count - 1)
        checkpoints.withUnsafeBufferPointer { checkpoints in
            while low < high {
                let middle = (low + high + 1) / 2
                if checkpoints[middle] <= target { low = middle } else { high = middle - 1 }
            }
        }
        var id = low * Self.checkpointStride
        var cursor = Int(checkpoints[low])
        while cursor < entry {
            cursor = Self.key(atEntry: cursor, in: arena).end
            id += 1
        }
        return ID(id)
    }

    /// A quarter as many slots again, laid out from the old ones alone: a slot's tag says where it goes.
    private mutating func grow() {
        let old = slots
        slots = []
        slots = [UInt64](repeating: 0, count: old.count + old.count / 4)
        slots.withUnsafeMutableBufferPointer { slots in
            for value in old where value != 0 {
                var slot = Self.home(value, slotCount: slots.count)
                while slots[slot] != 0 {
                    slot += 1
                    if slot == slots.count { slot = 0 }
                }
                slots[slot] = value
            }
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
