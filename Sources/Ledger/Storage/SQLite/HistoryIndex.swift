import DataExchange
import Foundation
import GRDB

/// The history index in SQLite: `entity_changes` (which events changed each entity) and
/// `entity_renames` (the keys it had before), written in the approval's and the replay's
/// transaction.
extension HistoryProjection {
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("history") { db in
            try db.execute(sql: """
                CREATE TABLE entity_changes (
                    kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (kind, key, position)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("history-renames") { db in
            // Which key each renamed entity had before: its history is found under either.
            try db.execute(sql: """
                CREATE TABLE entity_renames (
                    kind TEXT NOT NULL, key TEXT NOT NULL, previous_key TEXT NOT NULL, position INTEGER NOT NULL,
                    PRIMARY KEY (kind, key, position)
                ) WITHOUT ROWID;
                CREATE INDEX entity_renames_by_previous_key ON entity_renames (kind, previous_key);
                """)
        }
    }
}

/// The history index's lookups in SQLite.
struct SQLiteHistoryIndex: HistoryIndexReader {
    let db: Database

    func previousKeys(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT previous_key FROM entity_renames WHERE kind IN (\(Self.list(kinds))) AND \(Self.keyCondition(prefix)) AND position <= ?",
            arguments: Self.keyArguments(key, prefix) + [position])
    }

    func changes(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [Int64] {
        try Int64.fetchAll(
            db, sql: "SELECT position FROM entity_changes WHERE kind IN (\(Self.list(kinds))) AND \(Self.keyCondition(prefix)) AND position <= ?",
            arguments: Self.keyArguments(key, prefix) + [position])
    }

    func creations(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [Int64] {
        try Int64.fetchAll(
            db, sql: "SELECT created FROM state WHERE kind IN (\(Self.list(kinds))) AND \(Self.keyCondition(prefix)) AND created <= ?",
            arguments: Self.keyArguments(key, prefix) + [position])
    }

    private static func list(_ kinds: [EntityKind]) -> String { kinds.map { "'\($0.rawValue)'" }.joined(separator: ",") }
    private static func keyCondition(_ prefix: Bool) -> String { prefix ? "(key = ? OR key LIKE ? ESCAPE '\\')" : "key = ?" }
    private static func keyArguments(_ key: String, _ prefix: Bool) -> StatementArguments {
        prefix ? [key, LikePattern.prefix(key)] : [key]
    }
}

extension HistoryProjection.Batch {
    func write(in db: Database) throws {
        let rename = try db.cachedStatement(sql: "INSERT INTO entity_renames (kind, key, previous_key, position) VALUES (?, ?, ?, ?)")
        for row in renames { try rename.execute(arguments: [row.kind.rawValue, row.key, row.previousKey, row.position]) }
        var insert = try BulkInsert(db, "INSERT OR IGNORE INTO entity_changes (kind, key, position)", columns: 3)
        for row in EntityKind.sortedByKey(rows, by: <) {
            try insert.add([.text(row.kind.rawValue), .text(row.key), .integer(row.value)])
        }
        try insert.flush()
    }
}
