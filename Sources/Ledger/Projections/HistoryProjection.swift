import DataExchange
import Foundation

/// One change to an entity, as its history shows it: when, by whom, through which import and
/// record, and each field's old and new value.
public struct HistoryEntry: Sendable, Codable, Equatable {
    public var position: Int64
    public var recordedAt: Date
    public var byName: String
    public var byEmail: String
    public var importID: UUID
    public var record: Int
    public var line: Int
    public var kind: EntityKind
    public var key: String
    public var created: Bool
    public var fields: [String: FieldChange]
    /// The key it had before an ID Update file renamed it, on the entry of that rename.
    public var previousKey: String?
    /// The entity was taken out of the state: its creation reverted.
    public var removed: Bool = false
    /// The change puts back what the import changed: its revert, by `byName`, for `revertReason`.
    public var reverts: Bool = false
    public var revertReason: String?
}

/// Which events changed each entity: an index kept in the same transaction as the events, so
/// that an entity's history is a range read, however long the log. An entity's creation is on
/// its state row instead (`StateFold`), until a rename hands it to this index.
enum HistoryProjection {
    /// The index rows of many events, gathered and then written in key order: written as the
    /// events come, they land at random places of the index, and a first import's rows spent
    /// most of their time moving pages. The `value` of a row is its position.
    struct Batch {
        private(set) var rows: [(kind: EntityKind, key: String, value: Int64)] = []
        private(set) var renames: [(kind: EntityKind, key: String, previousKey: String, position: Int64)] = []
        /// The position of the first record added. The index holds no row at it or after it
        /// before this batch is written; only the creations that renames displace are older.
        private(set) var firstPosition = Int64.max

        mutating func add(_ applied: AppliedRecord) {
            let position = applied.position
            firstPosition = min(firstPosition, position)
            for change in applied.changes {
                // Creations too: the entity they link to is not the one whose state row keeps them.
                for linked in Link.linked(by: change) { rows.append((linked.kind, linked.key, position)) }
                guard StateFold.isIndexed(change) else { continue }
                rows.append((change.kind, change.key, position))
                if let previousKey = change.previousKey {
                    rows.append((change.kind, previousKey, position))
                    renames.append((change.kind, change.key, previousKey, position))
                }
            }
        }

        /// The rows that a fold of changes works out: the creations that renames took off their
        /// entities' state rows, and the registers placed at service points and taken from them.
        mutating func add(from fold: StateFold) {
            rows += (fold.displaced + fold.placements).map { ($0.kind, $0.key, $0.position) }
        }

        /// The rows in key order, once each (a rename hands the index a creation it may hold
        /// from the same record, as the link of another entity), split into those of this batch's
        /// records, which the index cannot hold yet, and the older ones, which it may.
        func rowsInKeyOrder() -> (new: [(kind: EntityKind, key: String, value: Int64)], older: [(kind: EntityKind, key: String, value: Int64)]) {
            var new: [(kind: EntityKind, key: String, value: Int64)] = []
            var older: [(kind: EntityKind, key: String, value: Int64)] = []
            new.reserveCapacity(rows.count)
            var last: (kind: EntityKind, key: String, value: Int64)?
            for row in EntityKind.sortedByKey(rows, by: <) {
                if let last, last.kind == row.kind, last.value == row.value, last.key == row.key { continue }
                last = row
                if row.value >= firstPosition { new.append(row) } else { older.append(row) }
            }
            return (new, older)
        }
    }

    /// How one entity names another in its fields, so that the other's history shows it: a
    /// service agreement its account (this account at that service point), an endpoint the meter
    /// it reads. The index keeps a row under the named entity for each change that sets or clears
    /// such a field, creations included.
    struct Link: Sendable {
        var from: EntityKind
        var field: String
        /// The kind of entity named, as the index and the selections name it.
        var to: EntityKind

        static let all = [
            Link(from: .serviceAgreement, field: "Account_ID", to: .account),
            // Under the meter's own key: a register's key is the meter's, or begins with it.
            Link(from: .endpoint, field: "Meter_ID", to: .register),
        ]

        /// The entities that `change` links to or away from: the field's old and new values.
        static func linked(by change: AppliedChange) -> [(kind: EntityKind, key: String)] {
            all.filter { $0.from == change.kind }.flatMap { link -> [(kind: EntityKind, key: String)] in
                let values: [String?] = switch change {
                case .created(_, _, let fields, _): [FieldsCodec.value(of: link.field, in: fields)]
                case .changed(let change): change.fields[link.field].map { [$0.old, $0.new] } ?? []
                }
                return Set(values.compactMap { $0 }).sorted().map { (link.to, $0) }
            }
        }

        /// Whether `change` links to or away from the entity whose key is `key`.
        func links(_ change: EntityChange, to key: String) -> Bool {
            guard change.kind == from, let value = change.fields[field] else { return false }
            guard to == .register else { return value.old == key || value.new == key }
            let register = RegisterKey(key: key)
            guard value.old == register.meter || value.new == register.meter else { return false }
            // One register of a compound meter: the endpoint's register, where the change names it
            // (as the file wrote it: `0` is `L`).
            guard !register.register.isEmpty, let number = change.fields["Register_Number"] else { return true }
            return [number.old, number.new].contains { $0.map { RegisterKey(meter: register.meter, register: $0).register } == register.register }
        }
    }

    /// Which entities a history is about: of these kinds, with this key, or every key it begins;
    /// and the changes of other entities that link to them (`Link`).
    struct Selection {
        var kinds: [EntityKind]
        var key: String
        var prefix = false

        /// The links to these kinds, which the index keeps under the key they name (a meter's
        /// for its registers: an exact selection finds them, a selection of a prefix does not).
        var links: [Link] { prefix ? [] : Link.all.filter { kinds.contains($0.to) } }
    }

    /// The changes of what `selection` names, in log order, up to `position`, under its current
    /// keys and every key it had before a rename.
    static func entries(of selection: Selection, upTo position: Int64, in storage: any LedgerStorage, coder: EventCoder) throws -> [HistoryEntry] {
        let (positions, names) = try storage.historyIndex(of: selection, upTo: position)
        func selected(_ change: EntityChange) -> Bool {
            if selection.links.contains(where: { link in names.contains { link.links(change, to: $0) } }) { return true }
            // A register placed at or taken from a service point, where the service point's rows
            // found it (`StateFold.placements`): one record places one register, at its own point.
            if selection.kinds.contains(.servicePoint), change.kind == .register,
                change.created || change.fields["Location_ID"] != nil || change.fields["Service_Point_ID"] != nil
            {
                return true
            }
            guard selection.kinds.contains(change.kind) else { return false }
            return [change.key, change.previousKey].contains { candidate in
                guard let candidate else { return false }
                return names.contains(candidate) || (selection.prefix && candidate.hasPrefix(selection.key))
            }
        }
        var entries: [HistoryEntry] = []
        for event in try storage.events(at: positions.sorted()) {
            let position = event.position
            guard let applied = try coder.decode(event, as: RecordApplied.self) else { continue }
            for change in applied.changes where selected(change) {
                entries.append(HistoryEntry(
                    position: position, recordedAt: event.recordedAt, byName: event.metadata.actor.name, byEmail: event.metadata.actor.email,
                    importID: applied.importID, record: applied.record, line: applied.line, kind: change.kind, key: change.key,
                    created: change.created, fields: change.fields, previousKey: change.previousKey, removed: change.removed,
                    reverts: applied.reverts ?? false))
            }
        }
        return entries
    }
}

/// The lookups the history index answers, each backend in its own SQL.
protocol HistoryIndexReader {
    /// The keys that entities of `kinds` had before a rename to `key` (with `prefix`, to any key
    /// beginning with it), up to `position`.
    func previousKeys(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [String]
    /// The positions the index keeps under `key` (with `prefix`, also under keys beginning with it).
    func changes(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [Int64]
    /// The creation positions kept on the state rows of `key` (with `prefix`, and of keys beginning with it).
    func creations(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [Int64]
}

extension HistoryProjection {
    /// The positions of the events that changed what `selection` names, up to `position`, and
    /// the names it is found under: its keys now and every key it had before a rename.
    static func positions(of selection: Selection, upTo position: Int64, in index: some HistoryIndexReader) throws -> (positions: Set<Int64>, names: Set<String>) {
        var names: Set<String> = [selection.key]
        var pending = try index.previousKeys(kinds: selection.kinds, key: selection.key, prefix: selection.prefix, upTo: position)
        while let previous = pending.popLast() {
            guard names.insert(previous).inserted else { continue }
            pending += try index.previousKeys(kinds: selection.kinds, key: previous, prefix: false, upTo: position)
        }
        var positions: Set<Int64> = []
        for name in names {
            let prefix = name == selection.key && selection.prefix
            positions.formUnion(try index.changes(kinds: selection.kinds, key: name, prefix: prefix, upTo: position))
            // Creations are on the state rows of the entities that still have the key they were created with.
            positions.formUnion(try index.creations(kinds: selection.kinds, key: name, prefix: prefix, upTo: position))
            // What links to it is kept under the key it names: a register's meter.
            for link in selection.links where link.to == .register && RegisterKey(key: name).meter != name {
                positions.formUnion(try index.changes(kinds: [link.to], key: RegisterKey(key: name).meter, prefix: false, upTo: position))
            }
        }
        return (positions, names)
    }
}
