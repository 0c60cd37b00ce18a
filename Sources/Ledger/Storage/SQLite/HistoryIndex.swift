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

    /// The positions of the events that changed what `selection` names, up to `position`, and
    /// the names it is found under: its keys now and every key it had before a rename.
    static func positions(of selection: Selection, upTo position: Int64, in db: Database) throws -> (positions: Set<Int64>, names: Set<String>) {
        let (kinds, key, prefix) = (selection.kinds, selection.key, selection.prefix)
        let kindList = kinds.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let escaped = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        var names: Set<String> = [key]
        var pending = try String.fetchAll(
            db, sql: "SELECT previous_key FROM entity_renames WHERE kind IN (\(kindList)) AND (key = ? OR (? AND key LIKE ? ESCAPE '\\')) AND position <= ?",
            arguments: [key, prefix, escaped + "%", position])
        while let previous = pending.popLast() {
            guard names.insert(previous).inserted else { continue }
            pending += try String.fetchAll(
                db, sql: "SELECT previous_key FROM entity_renames WHERE kind IN (\(kindList)) AND key = ? AND position <= ?", arguments: [previous, position])
        }
        var positions: Set<Int64> = []
        for name in names {
            let exact = name == key && prefix
            let condition = exact ? "(key = ? OR key LIKE ? ESCAPE '\\')" : "key = ?"
            let arguments: StatementArguments = exact ? [name, escaped + "%"] : [name]
            positions.formUnion(try Int64.fetchAll(
                db, sql: "SELECT position FROM entity_changes WHERE kind IN (\(kindList)) AND \(condition) AND position <= ?", arguments: arguments + [position]))
            // Creations are on the state rows of the entities that still have the key they were created with.
            positions.formUnion(try Int64.fetchAll(
                db, sql: "SELECT created FROM state WHERE kind IN (\(kindList)) AND \(condition) AND created <= ?", arguments: arguments + [position]))
            // What links to it is kept under the key it names: a register's meter.
            for link in selection.links where link.to == .register && RegisterKey(key: name).meter != name {
                positions.formUnion(try Int64.fetchAll(
                    db, sql: "SELECT position FROM entity_changes WHERE kind = ? AND key = ? AND position <= ?",
                    arguments: [link.to.rawValue, RegisterKey(key: name).meter, position]))
            }
        }
        return (positions, names)
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
