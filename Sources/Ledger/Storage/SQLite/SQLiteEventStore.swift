import Foundation
import GRDB

/// The event log in a SQLite file, through GRDB: one append-only table, whose UPDATE and DELETE
/// the database itself refuses, in WAL mode with `synchronous=FULL` so that an approved import
/// survives a power cut. The command line and the server share the file; a busy timeout lets them.
public final class SQLiteEventStore: EventStore {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    public init(path: String, migrations: (inout DatabaseMigrator) -> Void = { _ in }) throws {
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

    public func append(_ events: [NewEvent], expecting: [String: ExpectedVersion]) throws -> [RecordedEvent] {
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

    public func events(from position: Int64, limit: Int) throws -> [RecordedEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE position >= ? ORDER BY position LIMIT ?", arguments: [position, limit])
                .map(Self.event)
        }
    }

    public func events(in stream: String) throws -> [RecordedEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE stream = ? ORDER BY version", arguments: [stream]).map(Self.event)
        }
    }

    public func lastPosition() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0 }
    }

    public func verify(progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try pool.read { db in
            let total = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            var previous = HashChain.genesis
            var expected: Int64 = 1
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY position")
            while let row = try rows.next() {
                let position: Int64 = row["position"]
                guard position == expected else {
                    throw LedgerError(.tampered, "The log jumps from position \(expected - 1) to \(position): events were removed or inserted.")
                }
                let id: String = row["id"]
                let hash = HashChain.hash(
                    previous: previous, position: position, stream: row["stream"], version: row["version"], id: UUID(uuidString: id) ?? UUID(),
                    type: row["type"], schemaVersion: row["schema_version"], data: row["data"], metadata: row["metadata"],
                    recordedAt: row["recorded_at"])
                let stored: String = row["hash"]
                guard hash == stored, UUID(uuidString: id) != nil else {
                    throw LedgerError(.tampered, "The event at position \(position) does not match its hash: it was altered after it was recorded.")
                }
                previous = stored
                expected += 1
                if position % 10_000 == 0 { progress?(position, total) }
            }
            progress?(expected - 1, total)
            let present = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
            for trigger in Self.triggers where !present.contains(trigger) {
                throw LedgerError(.tampered, "The trigger \(trigger) that keeps the log append-only is gone: the database was altered behind the ledger's back.")
            }
            return expected - 1
        }
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
