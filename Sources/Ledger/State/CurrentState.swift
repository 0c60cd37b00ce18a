import DataExchange
import Foundation
import GRDB

/// The service configurations as they stand: every entity's current fields. What the next scan
/// compares a file with, and what an approval computes its changes against.
public struct CurrentState: Sendable {
    public private(set) var entities: [EntityKind: [String: [String: String]]] = [:]
    /// Where each meter is installed, from its registers.
    private var meterPlaces: [String: ServicePointKey] = [:]

    public init() {}

    public func fields(_ kind: EntityKind, _ key: String) -> [String: String]? { entities[kind]?[key] }

    /// Applies a change, as the ledger records it.
    public mutating func apply(_ change: EntityChange) {
        var fields = entities[change.kind]?[change.key] ?? [:]
        for (name, field) in change.fields { fields[name] = field.new }
        entities[change.kind, default: [:]][change.key] = fields
        if change.kind == .register, let meter = fields["Meter_ID"] ?? change.key.split(separator: ":").first.map(String.init),
            let location = fields["Location_ID"], let point = fields["Service_Point_ID"] {
            meterPlaces[meter] = ServicePointKey(location: location, servicePoint: point)
        }
    }

    /// The current state as the projection table holds it.
    static func load(from db: Database) throws -> CurrentState {
        var state = CurrentState()
        let rows = try Row.fetchCursor(db, sql: "SELECT kind, key, fields FROM state")
        while let row = try rows.next() {
            guard let kind = EntityKind(rawValue: row["kind"]) else { continue }
            let data: Data = row["fields"]
            state.apply(EntityChange(
                kind: kind, key: row["key"], created: false, fields: try FieldsCodec.decode(data).mapValues { FieldChange(old: nil, new: $0) }))
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
        return KnownServicePoint(account: agreement?["Account_ID"])
    }

    public func meter(_ id: String) -> KnownMeter? {
        meterPlaces[id].map { KnownMeter(servicePoint: $0) }
    }

    public func register(_ key: RegisterKey) -> KnownRegister? {
        guard let fields = fields(.register, key.description) else { return nil }
        let date = fields["Meter_Install_Date"].flatMap { text -> CalendarDate? in
            let parts = text.split(separator: "-").compactMap { Int($0) }
            return parts.count == 3 ? CalendarDate(year: parts[0], month: parts[1], day: parts[2]) : nil
        }
        return KnownRegister(installDate: date)
    }

    public func endpoint(_ serialNumber: String) -> KnownEndpoint? {
        guard let fields = fields(.endpoint, serialNumber) else { return nil }
        return KnownEndpoint(register: fields["Meter_ID"].map { RegisterKey(meter: $0, register: fields["Register_Number"] ?? "") })
    }
}

/// The current state, kept in step with the log in the same transaction as each append.
enum StateProjection {
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("state") { db in
            try db.execute(sql: """
                CREATE TABLE state (kind TEXT NOT NULL, key TEXT NOT NULL, fields BLOB NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
                CREATE TABLE state_changes (position INTEGER NOT NULL);
                INSERT INTO state_changes VALUES (0);
                """)
        }
    }

    static func apply(_ event: RecordedEvent, in db: Database, coder: EventCoder) throws {
        if let applied = try coder.decode(event, as: RecordApplied.self) {
            for change in applied.changes {
                let stored = try Data.fetchOne(db, sql: "SELECT fields FROM state WHERE kind = ? AND key = ?", arguments: [change.kind.rawValue, change.key])
                var fields = try stored.map(FieldsCodec.decode) ?? [:]
                for (name, field) in change.fields { fields[name] = field.new }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO state (kind, key, fields) VALUES (?, ?, ?)",
                    arguments: [change.kind.rawValue, change.key, FieldsCodec.encode(fields)])
            }
        } else if try coder.decode(event, as: ImportCompleted.self) != nil {
            try db.execute(sql: "UPDATE state_changes SET position = ?", arguments: [event.position])
        }
    }

    /// Writes the current fields of `keys`, as `state` holds them after an approval's changes:
    /// once per entity, rather than once per change.
    static func write(_ keys: Set<EntityKey>, of state: CurrentState, in db: Database) throws {
        let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO state (kind, key, fields) VALUES (?, ?, ?)")
        for entity in keys {
            try statement.execute(arguments: [entity.kind.rawValue, entity.key, FieldsCodec.encode(state.fields(entity.kind, entity.key) ?? [:])])
        }
    }

    /// The position of the last event that changed the state: a scan made before it is stale.
    static func lastChange(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT position FROM state_changes") ?? 0
    }
}
