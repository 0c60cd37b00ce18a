import Foundation

/// The entities of the state table as an approval reads them: every entity's fields digest up
/// front (a million of them load in a fraction of a second), and an entity's fields only when a
/// record does not repeat them exactly. Loading every field took seven seconds and a gigabyte
/// for a 70 MB file, most of which then compared equal.
struct StoredEntities {
    /// An entity's stored fields, encoded (`FieldsCodec`), read where the transaction reads.
    private let storedFields: (EntityKind, String) throws -> Data?
    /// Many entities' stored fields in one read.
    private let storedFieldsOfMany: ([EntityKey]) throws -> [EntityKey: Data]
    /// What the last `prefetch` read.
    private var prefetched: [EntityKey: Data] = [:]
    /// Every stored entity's fields digest, by its `StableHash.entity`.
    private(set) var digests: DigestTable
    /// Where the stored registers and endpoints are placed, read when a record first places one
    /// where another may be: most files replace none.
    let occupancy: () throws -> Occupancy

    init(
        digests: DigestTable, storedFields: @escaping (EntityKind, String) throws -> Data?,
        storedFieldsOfMany: @escaping ([EntityKey]) throws -> [EntityKey: Data] = { _ in [:] }, occupancy: @escaping () throws -> Occupancy = { Occupancy() }
    ) {
        self.digests = digests
        self.storedFields = storedFields
        self.storedFieldsOfMany = storedFieldsOfMany
        self.occupancy = occupancy
    }

    /// The stored entities of `tables`: their digests now, their fields when asked.
    init(_ tables: any StateTables) throws {
        self.init(
            digests: try DigestPages.load(from: tables), storedFields: { kind, key in try tables.entity(kind, key)?.fields },
            storedFieldsOfMany: { keys in try tables.entities(keys) }, occupancy: { try Occupancy.load(from: tables) })
    }

    /// Reads the fields of `keys` at once, for the next look-ups; what an earlier call read goes.
    mutating func prefetch(_ keys: [EntityKey]) throws {
        prefetched = keys.isEmpty ? [:] : try storedFieldsOfMany(keys)
    }

    var isEmpty: Bool { digests.isEmpty }

    /// The digest of the stored entity's fields; nil when there is no such entity.
    func digest(_ kind: EntityKind, _ key: String) -> Int64? { digest(entity: StableHash.entity(kind, key)) }

    /// By the entity's `StableHash.entity`, for a caller that made it already.
    func digest(entity: Int64) -> Int64? { digests[entity] }

    func fields(_ kind: EntityKind, _ key: String) throws -> [String: String]? {
        guard digest(kind, key) != nil else { return nil }
        return try (prefetched[EntityKey(kind: kind, key: key)] ?? storedFields(kind, key)).map(FieldsCodec.decode)
    }
}

/// Digests by entity hash, in one flat open-addressed table: the keys are hashes already, so
/// they need no hashing again, and a look-up is one probe into memory that a million-entry
/// `Dictionary` spread wider. An approval asks it once for every entity of every record.
struct DigestTable {
    /// Each slot's key and value side by side: a look-up touches one cache line, not two.
    private var slots: [(key: Int64, value: Int64)]
    private var zero: Int64?
    private let shift: UInt64
    private(set) var count = 0

    init(capacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < max(16, capacity * 2) { bits += 1 }
        shift = 64 - bits
        slots = Array(repeating: (0, 0), count: 1 << bits)
    }

    var isEmpty: Bool { count == 0 }

    private func slot(_ key: Int64) -> Int { DigestTable.start(of: key, shift: shift) }

    /// The slot where a probe for an entity hash starts, in a table of `1 << (64 - shift)` slots:
    /// the hash mixed once more, as the hashes of similar keys differ in few of their bits.
    static func start(of hash: Int64, shift: UInt64) -> Int { Int((UInt64(bitPattern: hash) &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    mutating func insert(_ key: Int64, _ value: Int64) {
        guard key != 0 else {
            if zero == nil { count += 1 }
            zero = value
            return
        }
        if count * 2 >= slots.count { grow() }
        var index = slot(key)
        while slots[index].key != 0, slots[index].key != key { index = (index + 1) & (slots.count - 1) }
        if slots[index].key == 0 { count += 1 }
        slots[index] = (key, value)
    }

    subscript(key: Int64) -> Int64? {
        guard key != 0 else { return zero }
        var index = slot(key)
        while slots[index].key != 0 {
            if slots[index].key == key { return slots[index].value }
            index = (index + 1) & (slots.count - 1)
        }
        return nil
    }

    private mutating func grow() {
        var larger = DigestTable(capacity: slots.count)
        for slot in slots where slot.key != 0 { larger.insert(slot.key, slot.value) }
        if let zero { larger.insert(0, zero) }
        self = larger
    }
}
