#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns byte strings (the keys of accounts, meters, registers…) into dense ids, in one arena,
/// so that following 166,000 records' entities through a file costs a few megabytes and no String
/// or Swift `Hasher` per record.
struct KeyTable: Sendable {
    typealias ID = Int32
    static let separator: UInt8 = 0x1F

    private var arena: [UInt8] = []
    /// For each id, where its key ends in `arena`.
    private var ends: [UInt32] = []
    /// For each id, the high half of its key's hash, so that most probes compare without reading
    /// the arena.
    private var tags: [UInt32] = []
    /// Open addressing: each slot holds an id + 1, or 0 when empty.
    private var slots: [UInt32]
    private var mask: Int

    /// A table sized for `capacity` keys of about `keyLength` bytes, so that filling it does
    /// not copy it.
    init(capacity: Int = 1024, keyLength: Int = 12) {
        var size = 16
        while size * 3 < capacity * 4 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        mask = size - 1
        arena.reserveCapacity(capacity * keyLength)
        ends.reserveCapacity(capacity)
        tags.reserveCapacity(capacity)
    }

    var count: Int { ends.count }

    func id(of key: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> ID? {
        find(key, hash: hash ?? Self.hash(key)).found
    }

    /// The key's id, adding the key when it is new.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) -> ID {
        let hash = hash ?? Self.hash(key)
        let (slot, found) = find(key, hash: hash)
        if let found { return found }
        let id = ID(ends.count)
        arena.append(contentsOf: key)
        ends.append(UInt32(arena.count))
        tags.append(UInt32(truncatingIfNeeded: hash >> 32))
        slots[slot] = UInt32(id + 1)
        if ends.count * 4 > slots.count * 3 { grow() }
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

    func key(_ id: ID) -> ArraySlice<UInt8> {
        let index = Int(id)
        return arena[(index == 0 ? 0 : Int(ends[index - 1]))..<Int(ends[index])]
    }

    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, found: ID?) {
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return (slot, nil) }
                let id = Int(entry) - 1
                if tags[id] == tag && equals(id, key) { return (slot, ID(id)) }
                slot = (slot + 1) & mask
            }
        }
    }

    private func equals(_ id: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = id == 0 ? 0 : Int(ends[id - 1])
        guard Int(ends[id]) - start == key.count else { return false }
        return key.isEmpty || arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, key.baseAddress!, key.count) == 0 }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = []
        slots = [UInt32](repeating: 0, count: size)
        mask = size - 1
        for id in 0..<ends.count {
            let start = id == 0 ? 0 : Int(ends[id - 1])
            let hash = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<Int(ends[id])])) }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(id + 1)
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
