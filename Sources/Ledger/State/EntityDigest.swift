/// 64-bit FNV-1a, stable across runs and machines (Swift's `Hasher` is seeded per process): what
/// the state stores to recognise an entity and its fields without reading them.
struct StableHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { combine($0) }
    }

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// Bytes of text and the separator after them, as `combine(_ text:)` hashes a string.
    mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { combine(byte) }
        combine(0x1F)
    }

    /// An entity's identity: its kind and key.
    static func entity(_ kind: EntityKind, _ key: String) -> Int64 {
        var hash = kinds[kind.order]
        hash.combine(key)
        return Int64(bitPattern: hash.value)
    }

    /// Each kind's name hashed, which its entities' hashes start from.
    private static let kinds: [StableHash] = EntityKind.allCases.map { of($0.rawValue) }

    /// `text` hashed: what a field's hash starts from (its name), made once per name.
    static func of(_ text: String) -> StableHash {
        var hash = StableHash()
        hash.combine(text)
        return hash
    }

    /// A set of fields, in any order: equal sets give equal digests, so an approval can tell that a
    /// record repeats an entity's fields exactly without reading them.
    static func fields(_ fields: some Sequence<(key: String, value: String)>) -> Int64 {
        var digest = FieldsDigest()
        for (name, value) in fields { digest.add(name, value) }
        return digest.value
    }
}

/// The digest of a set of fields, built a field at a time: each field's hash (its name, then its
/// value) is summed, so the order of the fields does not matter.
struct FieldsDigest {
    private var sum: UInt64 = 0
    private var count: UInt64 = 0

    /// A field by its name and value.
    mutating func add(_ name: String, _ value: String) { add(StableHash.of(name), value) }

    /// A field by the hash of its name (`StableHash` of the name alone) and its value.
    mutating func add(_ name: StableHash, _ value: String) {
        var hash = name
        hash.combine(value)
        add(hash)
    }

    /// A field by the hash of its name and its value's UTF-8 bytes.
    mutating func add(_ name: StableHash, _ value: UnsafeBufferPointer<UInt8>) {
        var hash = name
        hash.combine(value)
        add(hash)
    }

    private mutating func add(_ field: StableHash) {
        // Mixed once more, so that sums of different fields do not cancel out.
        sum &+= (field.value ^ (field.value >> 29)) &* 0xbf58_476d_1ce4_e5b9
        count += 1
    }

    var value: Int64 { Int64(bitPattern: sum ^ (count &* 0x94d0_49bb_1331_11eb)) }
}
