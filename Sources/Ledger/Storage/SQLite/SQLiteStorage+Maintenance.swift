import Foundation
import GRDB

/// The state's reads, the projections' rebuild, and the log read whole, on SQLite.
extension SQLiteStorage {
    static func registerMaintenanceMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("projections-version") { db in
            // Version 1 for what was made before there were versions; an empty log's are up to date.
            try db.execute(sql: """
                CREATE TABLE projections_version (version INTEGER NOT NULL);
                INSERT INTO projections_version VALUES (CASE WHEN EXISTS (SELECT 1 FROM events) THEN 1 ELSE \(Ledger.projectionsVersion) END);
                """)
        }
    }

    func reading<Result>(_ body: (any LedgerSnapshot) throws -> Result) throws -> Result {
        try read { db in try body(SQLiteStateTables(db, coder: coder)) }
    }

    func projectionsVersion() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT version FROM projections_version") ?? 0 }
    }

    func rebuildingProjections<Result>(version: Int, onlyWhenOlder: Bool, _ body: (any ProjectionRebuild) throws -> Result) throws -> Result? {
        try write { db in
            if onlyWhenOlder, try Int.fetchOne(db, sql: "SELECT version FROM projections_version") ?? 0 >= version { return nil }
            for table in projectionTables { try db.execute(sql: "DELETE FROM \(table)") }
            try db.execute(sql: "UPDATE projections_version SET version = ?", arguments: [version])
            try db.execute(sql: "UPDATE state_changes SET position = 0")
            return try body(SQLiteStateTables(db, coder: coder))
        }
    }

    func backUpDatabase(to path: String, progress: (Int, Int) -> Void) throws {
        do {
            let copy = try DatabaseQueue(path: path)
            // In steps of 1,024 pages (16 MB), to tell how far it is.
            try withoutActuallyEscaping(progress) { progress in
                try pool.backup(to: copy, pagesPerStep: 1_024) { step in progress(step.completedPageCount, step.totalPageCount) }
            }
        } catch let error as DatabaseError {
            throw LedgerError(.storage, "Cannot back up to \(path): \(error.message ?? "\(error)").")
        }
    }

    func grantServerAccess(to role: String) throws {
        throw LedgerError(.invalidState, "A SQLite ledger is one file: who may use it is the file's permissions (and its folder's), not a database role.")
    }

    func projectionRows() throws -> [String] {
        try read { db in
            try projectionTables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0.description)" }.sorted()
            }
        }
    }

    func lastPosition() throws -> Int64 { try store.lastPosition() }

    func forEachLoggedEvent(_ body: (LoggedEvent) throws -> Void) throws {
        try read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY position")
            while let row = try rows.next() {
                let position: Int64 = row["position"]
                guard let id = UUID(uuidString: row["id"]) else {
                    throw LedgerError(.tampered, "The event at position \(position) has no valid id: it was altered after it was recorded.")
                }
                try body(LoggedEvent(
                    position: position, stream: row["stream"], version: row["version"], id: id, type: row["type"], schemaVersion: row["schema_version"],
                    data: row["data"], metadata: row["metadata"], recordedAt: row["recorded_at"], hash: row["hash"]))
            }
        }
    }

    func missingLogGuards() throws -> [String] {
        let present = try read { db in try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'") }
        return SQLiteEventStore.triggers.filter { !present.contains($0) }
    }

    func copyLog(from source: ((LoggedEvent) throws -> Void) throws -> Void) throws -> Int64 {
        try write { db in
            guard try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") == 0 else {
                throw LedgerError(.invalidState, "The ledger to copy into has events already; give an empty one.")
            }
            let insert = try EventAppender.insertStatement(in: db)
            var copied: Int64 = 0
            try source { event in
                try EventAppender.insert(event, with: insert)
                copied += 1
            }
            return copied
        }
    }
}
