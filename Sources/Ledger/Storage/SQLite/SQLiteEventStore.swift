import Foundation
import GRDB

/// The event log in a SQLite file, through GRDB: one append-only table, whose UPDATE and DELETE
/// the database itself refuses, in WAL mode with `synchronous=FULL` so that an approved import
/// survives a power cut. The command line and the server share the file; a busy timeout lets them.
final class SQLiteEventStore: Sendable {
    let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    init(path: String, migrations: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Larger pages for a log that grows by hundreds of megabytes at a time: fewer pages to
            // split and write (8 % off a first import, measured). Takes effect on a new file.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The state's upserts, 512 rows a statement, each keep a statement journal of the
            // pages they change: 118 MB of temporary file for a later 70 MB file, in memory instead.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // An approval writes hundreds of megabytes in one transaction; with SQLite's 2 MB
            // default it spent its time evicting and re-reading index pages. Readers keep the
            // default and read through the system's page cache: a server's five of them would
            // otherwise come to hold over a gigabyte of copies of the file's pages.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -262144") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            Self.registerMigrations(&migrator)
            migrations(&migrator)
            // Most opens find the schema up to date: a read tells so, where `migrate` would take
            // the write lock and sync the file for every command.
            if try !pool.read(migrator.hasCompletedMigrations) { try migrator.migrate(pool) }
        } catch let error as DatabaseError {
            throw LedgerError(.storage, "Cannot open the ledger at \(path): \(error.message ?? "\(error)").")
        }
    }

    /// Migrations are history: named, append-only, never edited once shipped.
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("events") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    position INTEGER PRIMARY KEY,
                    stream TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    schema_version INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    metadata BLOB NOT NULL,
                    recorded_at TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    UNIQUE (stream, version)
                );
                CREATE TRIGGER events_are_immutable_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'events are immutable: the log is append-only'); END;
                CREATE TRIGGER events_are_immutable_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'events are immutable: the log is append-only'); END;
                """)
        }
    }

    static let triggers = ["events_are_immutable_update", "events_are_immutable_delete"]

    @discardableResult
    func append(_ events: [NewEvent], expecting: [String: ExpectedVersion]) throws -> [RecordedEvent] {
        try write { db in try Self.append(events, expecting: expecting, in: db) }
    }

    /// Runs `body` in one write transaction, all or nothing, with the database's failures said
    /// as `LedgerError`s: a unique constraint is someone else's append that came first.
    func write<Result>(_ body: (Database) throws -> Result) throws -> Result {
        do {
            return try pool.write(body)
        } catch let error as LedgerError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw LedgerError(.versionConflict, "Another change was recorded at the same time; read again and retry.")
        } catch let error as DatabaseError {
            throw LedgerError(.storage, "The ledger could not record the change: \(error.message ?? "\(error)").")
        }
    }

    /// Appends inside a transaction the caller holds, so that projections can be written in it too.
    static func append(_ events: [NewEvent], expecting: [String: ExpectedVersion], in db: Database) throws -> [RecordedEvent] {
        var appender = try EventAppender(db: db)
        try appender.check(expecting)
        return try events.compactMap { try appender.append($0) }
    }

    func events(in stream: String) throws -> [RecordedEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE stream = ? ORDER BY version", arguments: [stream]).map(Self.event)
        }
    }

    func lastPosition() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0 }
    }

    static func event(_ row: Row) throws -> RecordedEvent {
        let id: String = row["id"]
        let metadata: Data = row["metadata"]
        return RecordedEvent(
            position: row["position"], stream: row["stream"], version: row["version"], id: UUID(uuidString: id) ?? UUID(), type: row["type"],
            schemaVersion: row["schema_version"], data: row["data"], metadata: try JSONDecoder().decode(EventMetadata.self, from: metadata),
            recordedAt: date(row["recorded_at"]) ?? Date(timeIntervalSince1970: 0), hash: row["hash"])
    }

    static func timestamp(_ date: Date) -> String { Timestamp.text(date) }
    static func date(_ text: String) -> Date? { Timestamp.date(text) }
}
