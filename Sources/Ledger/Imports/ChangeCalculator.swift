import Foundation
import DataExchange

/// Follows an approved file record by record, in file order, and works out what each changes
/// (spec "Import behaviour"): a blank keeps the stored value, `_CLEAR_` erases it, an equal value
/// changes nothing, and a component that errors block is skipped.
struct ChangeCalculator {
    /// The state as the file's records change it; the projection writes it at the end.
    private(set) var fold: StateFold
    private var state: CurrentState { fold.state }
    /// An ID Update file: its records rename.
    private var renames = false
    /// The stored entities, read as needed; nil when `fold` starts from the whole state (the
    /// renames of an ID Update file look for every link to what they rename).
    private var stored: StoredEntities?
    private(set) var imported = 0
    private(set) var unchanged = 0
    private(set) var skipped = 0
    let importID: UUID
    /// The log position of the first record's event: the records that change something are
    /// appended one event each, in order, from there.
    let firstPosition: Int64
    /// The position of the event of the record being worked out.
    private var position: Int64 { firstPosition + Int64(imported) }
    /// What is worked out of a record alone, on any thread.
    private(set) var digester = Digester()
    private var columns: [[EntityColumn]] { digester.columns }
    /// Each kind's fields in the order of their names, as the state stores them: where a new
    /// entity's fields are taken from.
    private var layouts: [[FieldSource]] = []
    /// The day a meter or endpoint taken off by a change-out comes off when the record that
    /// replaces it gives no install date: the day of the approval (spec rule 14).
    let importDate: CalendarDate
    /// The registers and endpoints this file placed, and those stored (read when first needed).
    private var placed = Occupancy()
    private var storedOccupancy: Occupancy?

    /// Where one of a new entity's fields comes from: a cell, or one of the record's keys that
    /// the entity links to (`EntityKind.relations`, by its index there).
    private enum FieldSource {
        case cell(EntityColumn)
        case relation(index: Int, name: FieldsCodec.Name, prefix: StableHash)

        var name: String {
            switch self {
            case .cell(let column): column.name
            case .relation(_, let name, _): name.text
            }
        }
    }

    /// A column of an entity's fields, and the cell of the file's records that holds it. A class:
    /// read for every cell of a file, a struct was copied whole each time.
    final class EntityColumn: Sendable {
        let name: String
        /// The name as the state stores it.
        let storedName: FieldsCodec.Name
        let cell: Int
        /// An enumeration or a flag, stored as the specification spells it.
        let specification: ColumnSpecification?
        /// Stored as the file spells it (no `specification`): read without copying that.
        let isVerbatim: Bool
        /// The hash of the name, which each of its fields' hashes starts from.
        let prefix: StableHash

        init(name: String, cell: Int, specification: ColumnSpecification?) {
            self.name = name
            storedName = FieldsCodec.Name(name)
            self.cell = cell
            self.specification = specification
            isVerbatim = specification == nil
            prefix = StableHash.of(name)
        }

        /// The record's value in this column as the state stores it (an enumeration or a flag
        /// as the specification spells it), as UTF-8: its bytes in place where it can. Nothing
        /// for a blank cell.
        func withStoredValue(in record: ScannedRecord, cells: RecordCells, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            if isVerbatim, record.encoding == .utf8 {
                let bytes = cells[cell]
                if !bytes.isEmpty { body(bytes) }
            } else if var stored = storedValue(in: record) {
                stored.withUTF8(body)
            }
        }

        /// The record's value in this column as the state stores it; nil for a blank cell.
        func storedValue(in record: ScannedRecord) -> String? {
            let value = record.value(inCell: cell)
            return value.isEmpty ? nil : specification?.storedValue(value) ?? value
        }
    }

    init(
        state: CurrentState = CurrentState(), creations: [EntityKey: Int64] = [:], stored: StoredEntities?, importID: UUID, firstPosition: Int64,
        importDate: CalendarDate = .today()
    ) {
        self.fold = StateFold(state, creations: creations)
        self.stored = stored
        digester.stored = stored?.digests
        self.importID = importID
        self.firstPosition = firstPosition
        self.importDate = importDate
    }

    /// The calculator for a file of `kind` against the entities of `tables`: an ID Update file's
    /// renames look for every link to what they rename, so it starts from the whole state.
    static func against(_ tables: any StateTables, kind: FileKind, importID: UUID, firstPosition: Int64, importDate: CalendarDate) throws -> ChangeCalculator {
        kind == .idUpdate
            ? ChangeCalculator(
                state: try CurrentState.load(from: tables), creations: try tables.creations(), stored: nil, importID: importID,
                firstPosition: firstPosition, importDate: importDate)
            : ChangeCalculator(stored: try StoredEntities(tables), importID: importID, firstPosition: firstPosition, importDate: importDate)
    }

    mutating func read(_ header: Header) {
        renames = header.specification.kind == .idUpdate
        digester.columns = EntityKind.allCases.map { kind in
            header.specification.columns.enumerated().compactMap { index, column in
                guard let cell = header.cellOfColumn[index], column.component == kind.component, !EntityKind.keyColumns.contains(column.name)
                else { return nil }
                return EntityColumn(name: column.name, cell: cell, specification: column.format == .enumeration || column.format == .flag ? column : nil)
            }
        }
        layouts = EntityKind.allCases.map { kind in
            let relations = kind.relationNames.enumerated().map { index, name in
                FieldSource.relation(index: index, name: FieldsCodec.Name(name), prefix: StableHash.of(name))
            }
            return (columns[kind.order].map(FieldSource.cell) + relations).sorted { $0.name < $1.name }
        }
    }

    /// Whether records are better `Digester.prepare`d on the other core first: when most of them
    /// are compared with stored entities (a later file), not created.
    var comparesWithStored: Bool { !renames && !(stored?.isEmpty ?? true) }

    /// What the record changes, applied to the state; nil when it changes nothing. `prepared` is
    /// what `Digester.prepare` worked out of it, if it did.
    mutating func changes(of record: ScannedRecord, prepared: PreparedRecord? = nil) throws -> AppliedRecord? {
        guard record.isReady else {
            skipped += 1
            return nil
        }
        if renames { return renaming(record) }
        var changes: [AppliedChange] = []
        let identity = prepared?.identity ?? RecordIdentity(record)
        func digest(of kind: EntityKind) -> Int64 { prepared?.digests[kind.order] ?? digester.digest(of: kind, in: record, identity: identity) }
        for kind in EntityKind.allCases where !record.blocked.contains(kind.component) {
            guard let key = kind.key(in: identity) else { continue }
            var current = state.fields(kind, key)
            var fromStore = false
            let entity = prepared?.entities[kind.order] ?? StableHash.entity(kind, key)
            if current == nil, let known = fold.createdDigest(kind, key, entity: entity) {
                // Created by an earlier record of this file: most records repeat it exactly.
                if known == digest(of: kind) { continue }
                current = fold.materialize(kind, key, entity: entity)
            } else if current == nil, let stored, let known = prepared.map({ $0.storedDigests[kind.order] }) ?? stored.digest(entity: entity) {
                // Stored and not yet touched by this file: a record that repeats its fields exactly
                // changes nothing, and its fields need not be read.
                if known == digest(of: kind) { continue }
                current = try stored.fields(kind, key)
                fromStore = true
            }
            if current == nil, let (fields, digest) = created(kind, in: record, identity: identity) {
                if fields.isEmpty && (kind == .route || kind == .other) { continue }
                fold.create(CreatedEntity(kind: kind, key: key, entity: entity, fields: fields, digest: digest, position: position))
                changes.append(.created(kind: kind, key: key, fields: fields, digest: digest))
                try replaceThere(kind, placedBy: record, identity: identity, changes: &changes)
                continue
            }
            let values = self.values(of: kind, in: record, identity: identity)
            var fields: [String: FieldChange] = [:]
            for (name, value) in values {
                let old = current?[name]
                let new: String? = value == "_CLEAR_" ? nil : value
                if old != new { fields[name] = FieldChange(old: old, new: new) }
            }
            // Every record places an account, a location, a service point and a register, and an
            // endpoint when it names one; a route or the utility's fields exist once filled.
            let alwaysThere = kind != .route && kind != .other
            guard !fields.isEmpty || (current == nil && alwaysThere) else { continue }
            let change = EntityChange(kind: kind, key: key, created: current == nil, fields: fields)
            if fromStore, let current { fold.seed(kind, key, fields: current) }
            fold.apply(change, at: position)
            changes.append(.changed(change))
            if change.created || !Set(change.fields.keys).isDisjoint(with: kind.relationNames) {
                try replaceThere(kind, placedBy: record, identity: identity, changes: &changes)
            }
        }
        if changes.isEmpty {
            unchanged += 1
            return nil
        }
        defer { imported += 1 }
        return AppliedRecord(importID: importID, record: record.number, line: record.line, position: position, changes: changes)
    }

    /// Spec rule 14: a record that places a register at a service point takes another meter's
    /// registers there off it, and one that places an endpoint on a register takes another
    /// endpoint there off it. What comes off loses its link and, when it has none, gets a removal
    /// date: the install date of what replaces it, or the day of the approval.
    private mutating func replaceThere(_ kind: EntityKind, placedBy record: ScannedRecord, identity: RecordIdentity, changes: inout [AppliedChange]) throws {
        let (place, links, dates): (String, [String], (install: String, removal: String))
        switch kind {
        case .register:
            place = identity.servicePointKey
            placed.place(register: identity.registerKey, at: place)
            (links, dates) = (["Location_ID", "Service_Point_ID"], ("Meter_Install_Date", "Meter_Removal_Date"))
        case .endpoint:
            place = identity.registerKey
            placed.place(endpoint: identity.endpoint, on: place)
            (links, dates) = (["Meter_ID", "Register_Number"], ("Endpoint_Install_Date", "Endpoint_Removal_Date"))
        default:
            return
        }
        // A record with a removal date tells of a meter or endpoint that came off: it replaces none.
        guard (record.value(dates.removal) ?? "").isEmpty else { return }
        let candidates = kind == .register
            ? try occupants { $0.registers(at: place) } storedWhen: { $0.digest(.servicePoint, place) != nil }
                .filter { RegisterKey(key: $0).meter != identity.register.meter }
            : try occupants { $0.endpoints(on: place) } storedWhen: { $0.digest(.register, place) != nil }
                .filter { $0 != identity.endpoint }
        guard !candidates.isEmpty else { return }
        let installDate = record.value(dates.install) ?? ""
        let day = installDate.isEmpty ? importDate.description : installDate
        for candidate in Set(candidates).sorted(by: EntityKind.keyPrecedes) {
            guard let fields = try currentFields(kind, candidate) else { continue }
            let stillThere = kind == .register ? CurrentState.servicePoint(of: fields)?.description == place : CurrentState.register(of: fields) == place
            guard stillThere else { continue }
            var taken: [String: FieldChange] = [:]
            for link in links { if let old = fields[link] { taken[link] = FieldChange(old: old, new: nil) } }
            if fields[dates.removal] == nil { taken[dates.removal] = FieldChange(old: nil, new: day) }
            let change = EntityChange(kind: kind, key: candidate, created: false, fields: taken)
            fold.apply(change, at: position)
            changes.append(.changed(change))
        }
    }

    /// What `listed` gives of this file's placements and, where `storedWhen` says the stored
    /// state may hold some, of the stored ones.
    private mutating func occupants(_ listed: (Occupancy) -> [String], storedWhen: (StoredEntities) -> Bool) throws -> [String] {
        var occupants = listed(placed)
        guard let stored, storedWhen(stored) else { return occupants }
        if storedOccupancy == nil { storedOccupancy = try stored.occupancy() }
        occupants += listed(storedOccupancy!)
        return occupants
    }

    /// An entity's fields as this file has left them so far, brought into the fold; nil when
    /// there is no such entity.
    private mutating func currentFields(_ kind: EntityKind, _ key: String) throws -> [String: String]? {
        if let fields = state.fields(kind, key) { return fields }
        let entity = StableHash.entity(kind, key)
        if fold.createdDigest(kind, key, entity: entity) != nil { return fold.materialize(kind, key, entity: entity) }
        guard let fields = try stored?.fields(kind, key) else { return nil }
        fold.seed(kind, key, fields: fields)
        return fields
    }

    /// A new entity's fields, encoded as the state stores them, straight from the record's cells;
    /// nil when a cell erases (`_CLEAR_`), which the general way below says.
    private func created(_ kind: EntityKind, in record: ScannedRecord, identity: RecordIdentity) -> (fields: [UInt8], digest: Int64)? {
        var fields = FieldsCodec.WithDigest()
        var clears = false
        record.withCells { cells in
            for source in layouts[kind.order] {
                switch source {
                case .cell(let column):
                    column.withStoredValue(in: record, cells: cells) { value in
                        // `_CLEAR_` is no enumeration's value: stored as the file spells it.
                        if value.elementsEqual(Self.clear) { clears = true }
                        fields.append(column.storedName, hash: column.prefix, value: value)
                    }
                case .relation(let index, let name, let prefix):
                    let value = kind.relation(index, in: identity)
                    guard !value.isEmpty else { continue }
                    fields.append(name, hash: prefix, value: value)
                }
            }
        }
        return clears ? nil : fields.encoded
    }

    private static let clear = Array("_CLEAR_".utf8)

    /// The fields a record gives an entity of `kind`: its non-blank cells, and its links.
    func values(of kind: EntityKind, in record: ScannedRecord, identity: RecordIdentity) -> [(String, String)] {
        var values: [(String, String)] = []
        for column in columns[kind.order] {
            if let value = column.storedValue(in: record) { values.append((column.name, value)) }
        }
        for relation in kind.relations(in: identity) where !relation.1.isEmpty { values.append(relation) }
        return values
    }

    /// What is worked out of a record alone: the digests of the fields it gives each entity. A
    /// value, so that it can work on the other core.
    struct Digester: Sendable {
        /// Each kind's columns in the file, by the kind's order.
        fileprivate(set) var columns: [[EntityColumn]] = []
        /// The stored entities' digests, looked up on the digester's core too.
        fileprivate(set) var stored: DigestTable?
        /// The hash of each of a kind's relations' names (`EntityKind.relationNames`).
        private let relationPrefixes: [[StableHash]] = EntityKind.allCases.map { $0.relationNames.map(StableHash.of) }

        /// `StableHash.fields` of `values(of:in:identity:)`, from the cells' bytes where it can:
        /// most records of a later file repeat what the ledger holds, and this tells so without
        /// making a string of every cell.
        func digest(of kind: EntityKind, in record: ScannedRecord, identity: RecordIdentity) -> Int64 {
            var digest = FieldsDigest()
            record.withCells { cells in
                for column in columns[kind.order] {
                    column.withStoredValue(in: record, cells: cells) { digest.add(column.prefix, $0) }
                }
            }
            for (index, prefix) in relationPrefixes[kind.order].enumerated() {
                let value = kind.relation(index, in: identity)
                if !value.isEmpty { digest.add(prefix, value) }
            }
            return digest.value
        }

        /// Each record's keys, and each of its entities' hash and digest; nil for a record that
        /// does not import. A chunk at a time: the stored digests of all its entities are looked
        /// up one after the other, as each look-up in a table of a million entities is likely a
        /// cache miss, and misses that nothing between them depends on overlap.
        func prepare(_ records: [ScannedRecord]) -> [PreparedRecord?] {
            var prepared = records.map { record -> PreparedRecord? in
                guard record.isReady else { return nil }
                let identity = RecordIdentity(record)
                var entities = [Int64](repeating: 0, count: EntityKind.allCases.count)
                var named: UInt16 = 0
                for kind in EntityKind.allCases where !record.blocked.contains(kind.component) {
                    guard let key = kind.key(in: identity) else { continue }
                    entities[kind.order] = StableHash.entity(kind, key)
                    named |= 1 << kind.order
                }
                return PreparedRecord(
                    identity: identity, entities: entities, digests: [Int64](repeating: 0, count: EntityKind.allCases.count),
                    storedDigests: [Int64?](repeating: nil, count: EntityKind.allCases.count), named: named)
            }
            if let stored {
                for index in prepared.indices { prepared[index]?.lookUp(in: stored) }
            }
            for (index, record) in records.enumerated() {
                guard let identity = prepared[index]?.identity, let named = prepared[index]?.named else { continue }
                for kind in EntityKind.allCases where PreparedRecord.names(kind, in: named) {
                    prepared[index]?.digests[kind.order] = digest(of: kind, in: record, identity: identity)
                }
            }
            return prepared
        }
    }

    /// Reads at once the stored fields that a chunk of prepared records will need: those of the
    /// stored entities whose digest the record does not repeat. One read for the chunk, where
    /// one each cost a round trip to a database server.
    mutating func prefetchStoredFields(for prepared: [PreparedRecord?]) throws {
        guard stored != nil else { return }
        var keys: [EntityKey] = []
        for case let record? in prepared {
            for kind in EntityKind.allCases where PreparedRecord.names(kind, in: record.named) {
                guard let known = record.storedDigests[kind.order], known != record.digests[kind.order], let key = kind.key(in: record.identity) else { continue }
                keys.append(EntityKey(kind: kind, key: key))
            }
        }
        try stored?.prefetch(keys)
    }

    /// What `Digester.prepare` works out of a record.
    struct PreparedRecord: Sendable {
        var identity: RecordIdentity
        /// By kind order: `StableHash.entity` of each entity the record names.
        var entities: [Int64]
        /// By kind order: the digest of the fields the record gives each entity.
        var digests: [Int64]
        /// By kind order: the stored digest of each entity the record names, nil when not stored.
        var storedDigests: [Int64?]
        /// Bit `order` of each kind the record names an entity of (not blocked, with a key).
        var named: UInt16

        static func names(_ kind: EntityKind, in named: UInt16) -> Bool { named & (1 << kind.order) != 0 }

        /// Sets the stored digest of each entity the record names.
        mutating func lookUp(in stored: DigestTable) {
            for kind in EntityKind.allCases where Self.names(kind, in: named) { storedDigests[kind.order] = stored[entities[kind.order]] }
        }
    }

    /// The renames of an ID Update file's record, each applied before the next is worked out.
    private mutating func renaming(_ record: ScannedRecord) -> AppliedRecord? {
        var changes: [AppliedChange] = []
        var location = record.value("Location_ID") ?? ""
        for column in ["Account_ID", "Location_ID", "Service_Point_ID", "Meter_ID"] {
            guard let old = record.value(column), let new = record.value(column + "_new"), !old.isEmpty, !new.isEmpty else { continue }
            for change in state.renaming(column, from: old, to: new, location: location) {
                fold.apply(change, at: position)
                changes.append(.changed(change))
            }
            // A service point renamed in the same record is then found in its renamed location.
            if column == "Location_ID" { location = new }
        }
        if changes.isEmpty {
            unchanged += 1
            return nil
        }
        defer { imported += 1 }
        return AppliedRecord(importID: importID, record: record.number, line: record.line, position: position, changes: changes)
    }
}
