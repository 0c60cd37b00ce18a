import DataExchange
import Foundation

/// The service configurations as they stand: every entity's current fields. What the next scan
/// compares a file with, and what an approval computes its changes against.
public struct CurrentState: Sendable {
    public private(set) var entities: [EntityKind: [String: [String: String]]] = [:]
    /// Where each meter is installed, from its registers; and the other way round, the meter at
    /// each service point and the endpoint on each register (spec rule 14: one at a time).
    private var meterPlaces: [String: ServicePointKey] = [:]
    private var meterAt: [String: String] = [:]
    private var endpointOn: [String: String] = [:]

    public init() {}

    public func fields(_ kind: EntityKind, _ key: String) -> [String: String]? { entities[kind]?[key] }

    /// Applies a change, as the ledger records it.
    public mutating func apply(_ change: EntityChange) {
        let before: [String: String]?
        if let previousKey = change.previousKey, let moved = entities[change.kind]?.removeValue(forKey: previousKey) {
            entities[change.kind, default: [:]][change.key] = moved
            before = moved
        } else {
            before = entities[change.kind]?[change.key]
        }
        var fields: [String: String]? = before ?? [:]
        if change.removed {
            fields = nil
        } else {
            for (name, field) in change.fields { fields?[name] = field.new }
        }
        entities[change.kind, default: [:]][change.key] = fields
        switch change.kind {
        case .register:
            let (meter, meterBefore) = (RegisterKey(key: change.key).meter, RegisterKey(key: change.previousKey ?? change.key).meter)
            let (place, placeBefore) = (Self.servicePoint(of: fields), Self.servicePoint(of: before))
            if meterBefore != meter { meterPlaces[meterBefore] = nil }
            if let placeBefore, placeBefore != place || meterBefore != meter, meterAt[placeBefore.description] == meterBefore {
                meterAt[placeBefore.description] = nil
            }
            meterPlaces[meter] = place
            if let place { meterAt[place.description] = meter }
        case .endpoint:
            let (register, registerBefore) = (Self.register(of: fields), Self.register(of: before))
            if let registerBefore, registerBefore != register, endpointOn[registerBefore] == change.key { endpointOn[registerBefore] = nil }
            if let register { endpointOn[register] = change.key }
        default:
            break
        }
    }

    /// The service point a register's fields place it at.
    static func servicePoint(of fields: [String: String]?) -> ServicePointKey? {
        guard let location = fields?["Location_ID"], let point = fields?["Service_Point_ID"] else { return nil }
        return ServicePointKey(location: location, servicePoint: point)
    }

    /// The key of the register an endpoint's fields name.
    static func register(of fields: [String: String]?) -> String? {
        fields?["Meter_ID"].map { RegisterKey(meter: $0, register: fields?["Register_Number"] ?? "").description }
    }

    /// Takes in an entity with the fields it has stored.
    mutating func place(_ kind: EntityKind, _ key: String, fields: [String: String]) {
        apply(EntityChange(kind: kind, key: key, created: false, fields: fields.mapValues { FieldChange(old: nil, new: $0) }))
    }

    /// What renaming `column`'s `old` ID to `new` changes: the entities whose key it is or is
    /// part of move to their new key, and the entities that link to them follow. `location`
    /// scopes a service point. Applying the changes is the rename.
    func renaming(_ column: String, from old: String, to new: String, location: String) -> [EntityChange] {
        func moves(_ kinds: [EntityKind], _ newKey: (String) -> String?) -> [EntityChange] {
            kinds.flatMap { kind in
                (entities[kind] ?? [:]).keys.sorted().compactMap { key in
                    newKey(key).map { EntityChange(kind: kind, key: $0, created: false, fields: [:], previousKey: key) }
                }
            }
        }
        func links(_ kind: EntityKind, where matches: ([String: String]) -> Bool, set field: String) -> [EntityChange] {
            (entities[kind] ?? [:]).filter { matches($0.value) }.keys.sorted().map {
                EntityChange(kind: kind, key: $0, created: false, fields: [field: FieldChange(old: old, new: new)])
            }
        }
        switch column {
        case "Account_ID":
            return moves([.account]) { $0 == old ? new : nil }
                + links(.serviceAgreement, where: { $0["Account_ID"] == old }, set: "Account_ID")
        case "Location_ID":
            return moves([.location]) { $0 == old ? new : nil }
                + moves([.servicePoint, .serviceAgreement]) { $0.hasPrefix(old + "/") ? new + $0.dropFirst(old.count) : nil }
                + links(.register, where: { $0["Location_ID"] == old }, set: "Location_ID")
        case "Service_Point_ID":
            let oldKey = ServicePointKey(location: location, servicePoint: old).description
            let newKey = ServicePointKey(location: location, servicePoint: new).description
            return moves([.servicePoint, .serviceAgreement]) { $0 == oldKey ? newKey : nil }
                + links(.register, where: { $0["Location_ID"] == location && $0["Service_Point_ID"] == old }, set: "Service_Point_ID")
        case "Meter_ID":
            return moves([.register, .route, .other]) { key in
                key == old ? new : key.hasPrefix(old + ":") ? new + key.dropFirst(old.count) : nil
            } + links(.endpoint, where: { $0["Meter_ID"] == old }, set: "Meter_ID")
        default:
            return []
        }
    }

    /// The current state as the projection table holds it.
    static func load(from tables: any StateTables) throws -> CurrentState {
        var state = CurrentState()
        try tables.forEachEntity(of: nil) { kind, key, fields in
            state.place(kind, String(decoding: key, as: UTF8.self), fields: try FieldsCodec.decode(Data(fields)))
        }
        return state
    }
}

extension CurrentState: LedgerState {
    public var isEmpty: Bool { entities.values.allSatisfy(\.isEmpty) }
    public func hasAccount(_ id: String) -> Bool { fields(.account, id) != nil }
    public func hasLocation(_ id: String) -> Bool { fields(.location, id) != nil }

    public func servicePoint(_ key: ServicePointKey) -> KnownServicePoint? {
        let agreement = fields(.serviceAgreement, key.description)
        guard agreement != nil || fields(.servicePoint, key.description) != nil else { return nil }
        return KnownServicePoint(account: agreement?["Account_ID"], meter: meterAt[key.description])
    }

    public func meter(_ id: String) -> KnownMeter? {
        meterPlaces[id].map { KnownMeter(servicePoint: $0) }
    }

    public func register(_ key: RegisterKey) -> KnownRegister? {
        guard let fields = fields(.register, key.description) else { return nil }
        let date = fields["Meter_Install_Date"].flatMap(CalendarDate.init(isoText:))
        return KnownRegister(installDate: date, endpoint: endpointOn[key.description])
    }

    public func endpoint(_ serialNumber: String) -> KnownEndpoint? {
        guard let fields = fields(.endpoint, serialNumber) else { return nil }
        return KnownEndpoint(register: fields["Meter_ID"].map { RegisterKey(meter: $0, register: fields["Register_Number"] ?? "") })
    }
}

/// The state as changes are applied to it in memory, and the entities they touched, whose rows
/// an approval or a replay then writes once each. An entity an approval creates stays encoded as
/// the state stores it (most are never touched again by the file) until a later record changes it.
///
/// Where an entity was created is kept on its state row (`created`), not in the history index:
/// a first import creates a million entities, and their index rows were a tenth of its approval.
/// A rename takes it off the row and gives it to the index, under the key the entity had.
struct StateFold {
    private(set) var state: CurrentState
    private(set) var touched: Set<EntityKey> = []
    private var created = CreatedEntities()
    /// The creation positions of the entities this fold created the general way.
    private var creations: [EntityKey: Int64] = [:]
    /// The creation positions of stored entities, which a rename moves to the history index.
    private var storedCreations: [EntityKey: Int64]
    /// Creations a rename took off their entity's row, for the history index under the old key.
    private(set) var displaced: [(kind: EntityKind, key: String, position: Int64)] = []
    /// The keys whose stored row lost its creation to a rename.
    private var displacedKeys: Set<EntityKey> = []
    /// Registers placed at a service point, or taken from one, by the changes this fold applied:
    /// a row of the service point's history index each, at the position of the change.
    private(set) var placements: [(kind: EntityKind, key: String, position: Int64)] = []

    init(_ state: CurrentState = CurrentState(), creations: [EntityKey: Int64] = [:]) {
        self.state = state
        storedCreations = creations
    }

    /// Applies a change that the event at `position` records, as a replay reads it: a new entity
    /// stays encoded, as the approval that made it kept it.
    mutating func apply(_ change: AppliedChange, at position: Int64) {
        switch change {
        case .created(let kind, let key, let fields, let digest):
            let entity = StableHash.entity(kind, key)
            if state.fields(kind, key) == nil, created.index(kind, key, entity: entity) == nil {
                create(CreatedEntity(kind: kind, key: key, entity: entity, fields: fields, digest: digest, position: position))
            } else {
                let decoded = FieldsCodec.decode(fields)
                apply(EntityChange(kind: kind, key: key, created: true, fields: decoded.mapValues { FieldChange(old: nil, new: $0) }), at: position)
            }
        case .changed(let change):
            apply(change, at: position)
        }
    }

    /// Applies the change that the event at `position` records.
    mutating func apply(_ change: EntityChange, at position: Int64) {
        // An entity kept encoded is brought into `state` before it changes or moves.
        for key in [change.key, change.previousKey].compactMap({ $0 }) {
            _ = materialize(change.kind, key, entity: StableHash.entity(change.kind, key))
        }
        let entity = EntityKey(kind: change.kind, key: change.key)
        // A register removed without its row read (a revert's) leaves the service point its links name.
        let placedBefore = change.kind != .register ? nil : CurrentState.servicePoint(of: state.fields(.register, change.previousKey ?? change.key))?.description
            ?? (change.removed ? Self.servicePoint(location: change.fields["Location_ID"]?.old, servicePoint: change.fields["Service_Point_ID"]?.old) : nil)
        if let previousKey = change.previousKey {
            let previous = EntityKey(kind: change.kind, key: previousKey)
            if let created = creations.removeValue(forKey: previous) ?? storedCreations.removeValue(forKey: previous) {
                displaced.append((change.kind, previousKey, created))
                displacedKeys.insert(previous)
            }
            touched.insert(previous)
        } else if change.created {
            creations[entity] = position
        } else if change.removed, let created = creations.removeValue(forKey: entity) ?? storedCreations.removeValue(forKey: entity) {
            // Its row goes: the index keeps its creation, as it does a renamed entity's.
            displaced.append((change.kind, change.key, created))
        }
        state.apply(change)
        touched.insert(entity)
        if change.kind == .register {
            let placed = CurrentState.servicePoint(of: state.fields(.register, change.key))?.description
            if placed != placedBefore { place(taken: placedBefore, placed: placed, at: position) }
        }
    }

    /// The service point that a register's links name when its fields are not at hand (a new
    /// one still encoded, or one a revert removes): `CurrentState.servicePoint(of:)`'s key.
    private static func servicePoint(location: String?, servicePoint: String?) -> String? {
        location.map { ServicePointKey(location: $0, servicePoint: servicePoint ?? "").description }
    }

    private mutating func place(taken: String?, placed: String?, at position: Int64) {
        for key in [taken, placed].compactMap({ $0 }) { placements.append((.servicePoint, key, position)) }
    }

    /// Whether a change goes to the history index: all but a creation, which the state row keeps.
    static func isIndexed(_ change: AppliedChange) -> Bool { !change.created || change.previousKey != nil }

    /// Room for `count` touched entities: a revert of a first import touches a million.
    mutating func reserveCapacity(_ count: Int) { touched.reserveCapacity(count) }

    /// Takes in an entity as it is stored, before a change to it is applied.
    mutating func seed(_ kind: EntityKind, _ key: String, fields: [String: String]) { state.place(kind, key, fields: fields) }

    /// The entities this fold holds, touched or created.
    var entityCount: Int { touched.count + created.liveCount }

    /// How many entities of each kind the state holds, those kept encoded counted as they are.
    var entityCounts: [EntityKind: Int] { state.entities.mapValues(\.count).merging(created.liveCountsByKind, uniquingKeysWith: +) }

    /// Takes in, from the state table, the stored entities that `change` changes or renames and
    /// this fold has not met, with where each was created: for a fold that starts from what is
    /// stored. An entity the fold renamed away or created is the fold's, whatever the table says.
    mutating func bringIn(_ change: AppliedChange, from tables: any StateTables) throws {
        guard case .changed(let change) = change, !change.created || change.previousKey != nil else { return }
        for key in [change.key, change.previousKey].compactMap({ $0 }) {
            let entity = EntityKey(kind: change.kind, key: key)
            guard state.fields(change.kind, key) == nil, !touched.contains(entity),
                created.index(change.kind, key, entity: StableHash.entity(change.kind, key)) == nil,
                let stored = try tables.entity(change.kind, key)
            else { continue }
            seed(change.kind, key, fields: try FieldsCodec.decode(stored.fields))
            if let position = stored.created { storedCreations[entity] = position }
        }
    }

    /// Records a new entity, encoded, that the state does not hold. `entity` is `StableHash.entity`.
    mutating func create(_ entity: CreatedEntity) {
        created.insert(entity)
        if entity.kind == .register {
            let placed = Self.servicePoint(
                location: FieldsCodec.value(of: "Location_ID", in: entity.fields), servicePoint: FieldsCodec.value(of: "Service_Point_ID", in: entity.fields))
            place(taken: nil, placed: placed, at: entity.position)
        }
    }

    /// The digest of an entity created in this fold and not changed since.
    func createdDigest(_ kind: EntityKind, _ key: String, entity: Int64) -> Int64? {
        created.index(kind, key, entity: entity).map { created.entries[$0].digest }
    }

    /// Brings an entity created in this fold into `state`, to be changed there; returns its fields.
    mutating func materialize(_ kind: EntityKind, _ key: String, entity: Int64) -> [String: String]? {
        guard let index = created.index(kind, key, entity: entity) else { return nil }
        let entity = created.remove(at: index)
        let fields = FieldsCodec.decode(entity.fields)
        seed(kind, key, fields: fields)
        touched.insert(EntityKey(kind: kind, key: key))
        creations[EntityKey(kind: kind, key: key)] = entity.position
        return fields
    }

    /// What a touched entity's row says of its creation: where, and whether that replaces what
    /// the stored row says (nil and true: a rename took it away).
    func creation(of entity: EntityKey) -> (position: Int64?, replaces: Bool) {
        if let position = creations[entity] { return (position, true) }
        return (nil, displacedKeys.contains(entity))
    }

    func write(to tables: any StateTablesWriter) throws { try StateProjection.write(self, created: created.live, to: tables) }

    /// Every entity, the ones kept encoded since their creation decoded.
    var wholeState: CurrentState {
        var whole = state
        created.forEachLive { entity in whole.place(entity.kind, entity.key, fields: FieldsCodec.decode(entity.fields)) }
        return whole
    }

    /// An entity's fields: decoded where the fold changed it, as stored where it kept it encoded
    /// since its creation (a million of those, decoded, took four times the memory).
    func fields(of kind: EntityKind, _ key: String) -> EntityFields? {
        if let fields = state.fields(kind, key) { return .decoded(fields) }
        return created.index(kind, key, entity: StableHash.entity(kind, key)).map { .encoded(created.entries[$0].fields) }
    }

    /// Each entity of `kind`, in the order of its key byte by byte, with its fields as `fields(of:_:)` gives them.
    func forEachEntity(of kind: EntityKind, _ body: (String, EntityFields) throws -> Void) rethrows {
        var entities: [(key: String, fields: EntityFields)] = (state.entities[kind] ?? [:]).map { ($0.key, .decoded($0.value)) }
        created.forEachLive(of: kind) { entities.append(($0.key, .encoded($0.fields))) }
        for entity in entities.sorted(by: { EntityKind.keyPrecedes($0.key, $1.key) }) { try body(entity.key, entity.fields) }
    }
}

/// A new entity's fields, as `FieldsCodec` lays them out, and their digest.
struct CreatedEntity: Sendable {
    var kind: EntityKind
    var key: String
    /// `StableHash.entity` of kind and key.
    var entity: Int64
    var fields: [UInt8]
    var digest: Int64
    /// The position of the event that created it.
    var position: Int64
}

/// The entities an approval creates, found by their entity hash in a flat open-addressed table
/// (a first import creates a million, and a `Dictionary` keyed by kind and key spent a tenth of
/// the approval hashing them again).
private struct CreatedEntities {
    private(set) var entries: [CreatedEntity] = []
    /// Each entry's entity hash, probed without touching the entry.
    private var hashes: [Int64] = []
    private var removed: [Bool] = []
    private var removedCount = 0
    /// Index + 1 into `entries`; 0 is an empty slot.
    private var slots = [Int32](repeating: 0, count: 1 << 12)
    private var shift: UInt64 = 64 - 12

    private func start(_ entity: Int64) -> Int { DigestTable.start(of: entity, shift: shift) }

    func index(_ kind: EntityKind, _ key: String, entity: Int64) -> Int? {
        var slot = start(entity)
        while slots[slot] != 0 {
            let index = Int(slots[slot]) - 1
            // A removed entry stays in its slot; the key may have been created again further on.
            if hashes[index] == entity, !removed[index], entries[index].kind == kind, entries[index].key == key { return index }
            slot = (slot + 1) & (slots.count - 1)
        }
        return nil
    }

    mutating func insert(_ entity: CreatedEntity) {
        if (entries.count + 1) * 2 > slots.count { grow() }
        entries.append(entity)
        hashes.append(entity.entity)
        removed.append(false)
        place(entries.count - 1)
    }

    /// Takes an entity out; its slot stays, as it is never created again (it is in the state now).
    mutating func remove(at index: Int) -> CreatedEntity {
        removed[index] = true
        removedCount += 1
        return entries[index]
    }

    var live: [CreatedEntity] { removedCount == 0 ? entries : entries.indices.filter { !removed[$0] }.map { entries[$0] } }
    var liveCount: Int { entries.count - removedCount }

    /// Each entry not taken out (of `kind` only, when given), in the order of creation.
    func forEachLive(of kind: EntityKind? = nil, _ body: (CreatedEntity) -> Void) {
        for index in entries.indices where !removed[index] && (kind == nil || entries[index].kind == kind) { body(entries[index]) }
    }

    var liveCountsByKind: [EntityKind: Int] {
        var counts: [EntityKind: Int] = [:]
        forEachLive { counts[$0.kind, default: 0] += 1 }
        return counts
    }

    private mutating func place(_ index: Int) {
        var slot = start(hashes[index])
        while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = Int32(index + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        shift -= 1
        for index in entries.indices { place(index) }
    }
}

/// The current state, kept in step with the log in the same transaction as each append.
enum StateProjection {
    /// Writes the current fields of `keys`, as `state` holds them after an approval's changes:
    /// once per entity, rather than once per change.
    static func write(_ fold: StateFold, created: [CreatedEntity], to tables: any StateTablesWriter) throws {
        let (keys, state) = (fold.touched, fold.state)
        // A row that does not replace its entity's creation keeps what the stored row says.
        let writer = try tables.stateRows()
        // In key order, for the reason `HistoryProjection.Batch` gives: the touched entities,
        // then the created ones, by their index in that list.
        let touched = Array(keys)
        func entity(_ index: Int) -> (kind: EntityKind, key: String) {
            index < touched.count ? (touched[index].kind, touched[index].key) : (created[index - touched.count].kind, created[index - touched.count].key)
        }
        let sorted = EntityKind.keyOrder(of: touched.count + created.count, kind: { entity($0).kind }, key: { entity($0).key }) { $0 < $1 }
        // The entities renamed away (or removed) go first: an entity created meanwhile may have
        // the key one had. In key order, as the rows are written: a revert deletes a million.
        for index in sorted where index < touched.count && state.fields(touched[index].kind, touched[index].key) == nil {
            try writer.delete(touched[index].kind, key: touched[index].key)
        }
        var digests: [(entity: Int64, digest: Int64?)] = []
        digests.reserveCapacity(sorted.count)
        // Each chunk's rows are encoded on another core while the chunk before is written.
        let prepare: @Sendable (ArraySlice<Int>) -> StoredRows = { indices in
            var rows = StoredRows(capacity: indices.count)
            for index in indices {
                if index < touched.count {
                    rows.append(touched[index], in: state, creation: fold.creation(of: touched[index]))
                } else {
                    rows.append(created: created[index - touched.count])
                }
            }
            return rows
        }
        try Pipeline.run(chunksOf: sorted, size: 4_096, prepare: prepare) { rows in
            try rows.forEach { row in
                guard let fields = row.fields else { return }
                try writer.put(
                    row.kind, key: row.key, fields: fields, link: row.link, created: row.created, replacesCreated: row.replacesCreated, isNew: row.isNew)
            }
            // The rows borrow the chunk's bytes.
            try writer.flush()
            digests += rows.digests
        }
        try writer.finish()
        try DigestPages.write(digests.sorted { $0.entity < $1.entity }, to: tables)
    }

    /// A chunk of entities' rows as the state table and its digest pages hold them, their bytes
    /// in one buffer: with arrays and strings of their own, a million rows spent more time being
    /// allocated, copied, and freed on the other thread than SQLite spent storing them.
    private struct StoredRows: Sendable {
        /// One row's parts; its key, fields and link are ranges of `bytes`.
        private struct Entry: Sendable {
            var kind: EntityKind
            var key: Range<Int>
            /// None when the entity was renamed away.
            var fields: Range<Int>?
            var link: Range<Int>?
            var created: Int64?
            var replacesCreated: Bool
            var isNew = false
        }

        /// A row, valid inside the call that gives it.
        struct Row {
            var kind: EntityKind
            var key: UnsafeRawBufferPointer
            var fields: UnsafeRawBufferPointer?
            var link: UnsafeRawBufferPointer?
            var created: Int64?
            var replacesCreated: Bool
            /// Created by these changes: the table has no row of it (`StateRowWriter.put`).
            var isNew: Bool
        }

        private var bytes: [UInt8] = []
        private var entries: [Entry] = []
        /// Each row's entity and digest (none for an entity renamed away), in row order.
        private(set) var digests: [(entity: Int64, digest: Int64?)] = []

        init(capacity: Int) {
            entries.reserveCapacity(capacity)
            digests.reserveCapacity(capacity)
            bytes.reserveCapacity(capacity * 128)
        }

        private mutating func append(_ text: String) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: text.utf8)
            return start..<bytes.count
        }

        private mutating func append(_ encoded: [UInt8]) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: encoded)
            return start..<bytes.count
        }

        /// An entity as `state` holds it after the changes.
        mutating func append(_ entity: EntityKey, in state: CurrentState, creation: (position: Int64?, replaces: Bool)) {
            let current = state.fields(entity.kind, entity.key)
            let link = current.flatMap { fields in StateLink.link(entity.kind, key: entity.key) { fields[$0] } }
            entries.append(Entry(
                kind: entity.kind, key: append(entity.key), fields: current.map { append(FieldsCodec.encode($0)) }, link: link.map { append($0) },
                created: creation.position, replacesCreated: creation.replaces))
            digests.append((StableHash.entity(entity.kind, entity.key), current.map { StableHash.fields($0.lazy.map { $0 }) }))
        }

        /// An entity created and not changed since, with its fields as they were encoded.
        mutating func append(created entity: CreatedEntity) {
            let link = StateLink.link(entity.kind, key: entity.key) { FieldsCodec.value(of: $0, in: entity.fields) }
            entries.append(Entry(
                kind: entity.kind, key: append(entity.key), fields: append(entity.fields), link: link.map { append($0) },
                created: entity.position, replacesCreated: true, isNew: true))
            digests.append((entity.entity, entity.digest))
        }

        func forEach(_ body: (Row) throws -> Void) rethrows {
            try bytes.withUnsafeBytes { bytes in
                for entry in entries {
                    try body(Row(
                        kind: entry.kind, key: UnsafeRawBufferPointer(rebasing: bytes[entry.key]),
                        fields: entry.fields.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                        link: entry.link.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                        created: entry.created, replacesCreated: entry.replacesCreated, isNew: entry.isNew))
                }
            }
        }
    }
}
