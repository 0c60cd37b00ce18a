/// 64-bit FNV-1a, stable across runs and machines (Swift's `Hasher` is seeded per process): what
/// the state stores to recognise an entity and its fields without reading them.
struct StableHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { for byte in $0 { combine(byte) } }
        combine(0x1F)
    }

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// An entity's identity: its kind and key.
    static func entity(_ kind: EntityKind, _ key: String) -> Int64 {
        var hash = StableHash()
        hash.combine(kind.rawValue)
        hash.combine(key)
        return Int64(bitPattern: hash.value)
    }

    /// A set of fields, in any order: equal sets give equal digests, so an approval can tell that a
    /// record repeats an entity's fields exactly without reading them.
    static func fields(_ fields: some Sequence<(key: String, value: String)>) -> Int64 {
        var sum: UInt64 = 0
        var count: UInt64 = 0
        for (name, value) in fields {
            var hash = StableHash()
            hash.combine(name)
            hash.combine(value)
            // Mixed once more, so that sums of different pairs do not cancel out.
            sum &+= (hash.value ^ (hash.value >> 29)) &* 0xbf58_476d_1ce4_e5b9
            count += 1
        }
        return Int64(bitPattern: sum ^ (count &* 0x94d0_49bb_1331_11eb))
    }
}
