import Foundation
import GRDB

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
}

/// Which events changed each entity: an index kept in the same transaction as the events, so
/// that an entity's history is a range read, however long the log.
enum HistoryProjection {
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("history") { db in
            try db.execute(sql: """
                CREATE TABLE entity_changes (
                    kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (kind, key, position)
                ) WITHOUT ROWID;
                """)
        }
    }

    /// The index rows of many events, gathered and then written in key order: written as the
    /// events come, they land at random places of the index, and a first import's million rows
    /// spent most of their time moving pages.
    struct Batch {
        private var rows: [(kind: EntityKind, key: String, position: Int64)] = []

        mutating func add(_ applied: RecordApplied, at position: Int64) {
            for change in applied.changes { rows.append((change.kind, change.key, position)) }
        }

        func write(in db: Database) throws {
            let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO entity_changes (kind, key, position) VALUES (?, ?, ?)")
            for row in rows.sorted(by: { ($0.kind.rawValue, $0.key, $0.position) < ($1.kind.rawValue, $1.key, $1.position) }) {
                try statement.execute(arguments: [row.kind.rawValue, row.key, row.position])
            }
        }
    }

    static func apply(_ event: RecordedEvent, in db: Database, coder: EventCoder) throws {
        guard let applied = try coder.decode(event, as: RecordApplied.self) else { return }
        var batch = Batch()
        batch.add(applied, at: event.position)
        try batch.write(in: db)
    }

    /// The changes of the entities that `keys` select, in log order, up to `position`.
    static func entries(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64, in db: Database, coder: EventCoder) throws -> [HistoryEntry] {
        let kindList = kinds.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let condition = prefix ? "(key = ? OR key LIKE ? ESCAPE '\\')" : "key = ?"
        let escaped = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let arguments: StatementArguments = prefix ? [key, escaped + "%"] : [key]
        let positions = try Int64.fetchAll(
            db, sql: "SELECT DISTINCT position FROM entity_changes WHERE kind IN (\(kindList)) AND \(condition) AND position <= ? ORDER BY position",
            arguments: arguments + [position])
        var entries: [HistoryEntry] = []
        for position in positions {
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE position = ?", arguments: [position]) else { continue }
            let event = try SQLiteEventStore.event(row)
            guard let applied = try coder.decode(event, as: RecordApplied.self) else { continue }
            for change in applied.changes where kinds.contains(change.kind) && (change.key == key || (prefix && change.key.hasPrefix(key))) {
                entries.append(HistoryEntry(
                    position: position, recordedAt: event.recordedAt, byName: event.metadata.actor.name, byEmail: event.metadata.actor.email,
                    importID: applied.importID, record: applied.record, line: applied.line, kind: change.kind, key: change.key,
                    created: change.created, fields: change.fields))
            }
        }
        return entries
    }
}
