import Foundation
import GRDB

/// The state projection's tables in SQLite, as migrations: history, named and append-only,
/// never edited once shipped.
extension StateProjection {
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("state") { db in
            try db.execute(sql: """
                CREATE TABLE state (kind TEXT NOT NULL, key TEXT NOT NULL, fields BLOB NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
                CREATE TABLE state_changes (position INTEGER NOT NULL);
                INSERT INTO state_changes VALUES (0);
                """)
        }
        migrator.registerMigration("state-links") { db in
            try db.execute(sql: "ALTER TABLE state ADD COLUMN link TEXT")
            let rows = try Row.fetchAll(db, sql: "SELECT kind, key, fields FROM state")
            let update = try db.makeStatement(sql: "UPDATE state SET link = ? WHERE kind = ? AND key = ?")
            for row in rows {
                guard let kind = EntityKind(rawValue: row["kind"]) else { continue }
                let key: String = row["key"]
                let fields = try FieldsCodec.decode(row["fields"])
                try update.execute(arguments: [StateLink.link(kind, key: key) { fields[$0] }, kind.rawValue, key])
            }
        }
        migrator.registerMigration("state-digests") { db in
            try db.execute(sql: "CREATE TABLE state_digests (entity INTEGER PRIMARY KEY, digest INTEGER NOT NULL)")
            let rows = try Row.fetchAll(db, sql: "SELECT kind, key, fields FROM state")
            let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO state_digests (entity, digest) VALUES (?, ?)")
            for row in rows {
                guard let kind = EntityKind(rawValue: row["kind"]) else { continue }
                let fields = try FieldsCodec.decode(row["fields"])
                try insert.execute(arguments: [StableHash.entity(kind, row["key"]), StableHash.fields(fields.lazy.map { $0 })])
            }
        }
        migrator.registerMigration("state-links-index") { db in
            // What a scan reads, without reading every entity's fields beside it.
            try db.execute(sql: "CREATE INDEX state_links ON state (kind, key, link) WHERE link IS NOT NULL")
        }
        migrator.registerMigration("state-created") { db in
            // The position of the event that created the entity, when the history index has no
            // row for it (`StateFold`); the creations recorded before stay in the index.
            try db.execute(sql: "ALTER TABLE state ADD COLUMN created INTEGER")
        }
        DigestPages.registerMigrations(&migrator)
    }
}

extension DigestPages {
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("state-digest-pages") { db in
            try db.execute(sql: "CREATE TABLE \(table) (bucket INTEGER PRIMARY KEY, pairs BLOB NOT NULL)")
            var digests: [(entity: Int64, digest: Int64?)] = []
            try RawRows.forEach(in: db, sql: "SELECT entity, digest FROM state_digests ORDER BY entity") { row in
                digests.append((row.integer(0), row.integer(1)))
            }
            try write(digests, to: SQLiteStateTables(db))
            try db.execute(sql: "DROP TABLE state_digests")
        }
    }
}
