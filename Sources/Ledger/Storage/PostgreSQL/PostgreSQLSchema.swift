import Foundation

/// The ledger's tables in PostgreSQL, as versioned migrations: history, named and append-only,
/// never edited once shipped. Whichever process opens the database first runs what is missing,
/// under an advisory lock, so that servers started at once on an empty database make one schema.
enum PostgreSQLSchema {
    /// The advisory lock of schema changes.
    static let migrationsLock: Int64 = 0x6C65_6467_6572_0001
    /// The advisory lock every append takes: one total order for the hash chain, and positions
    /// that become visible in order (the lock is held until the append commits), so that no
    /// reader skips an event committed late.
    static let logLock: Int64 = 0x6C65_6467_6572_0002

    /// The triggers that keep the log append-only.
    static let logGuards = ["events_are_immutable_update", "events_are_immutable_truncate"]

    static let migrations: [(name: String, sql: String)] = [
        ("events", """
            CREATE TABLE events (
                position BIGINT PRIMARY KEY, stream TEXT NOT NULL, version BIGINT NOT NULL, id UUID NOT NULL UNIQUE, type TEXT NOT NULL,
                schema_version INTEGER NOT NULL, data BYTEA NOT NULL, metadata BYTEA NOT NULL, recorded_at TEXT NOT NULL, hash TEXT NOT NULL,
                UNIQUE (stream, version)
            );
            CREATE INDEX events_by_recorded_at ON events (recorded_at);
            CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'events are immutable: the log is append-only'; END $$;
            CREATE TRIGGER events_are_immutable_update BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_are_immutable();
            CREATE TRIGGER events_are_immutable_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();
            """),
        ("activity", """
            CREATE TABLE activity (
                id TEXT PRIMARY KEY, file_name TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, kind TEXT NOT NULL,
                via TEXT NOT NULL, status TEXT NOT NULL, dropped_at TEXT NOT NULL, dropped_by_name TEXT NOT NULL,
                dropped_by_email TEXT NOT NULL, records INTEGER, ready INTEGER, errors INTEGER, warnings INTEGER, file_errors INTEGER,
                imported INTEGER, unchanged INTEGER, skipped INTEGER, decided_by_name TEXT, decided_by_email TEXT, decided_at TEXT,
                reason TEXT, report_sha256 TEXT, report_size BIGINT, position BIGINT NOT NULL
            );
            CREATE INDEX activity_newest_first ON activity (position DESC);
            CREATE INDEX activity_by_status ON activity (status);
            CREATE INDEX activity_by_file ON activity (sha256, position);
            """),
        ("users", """
            CREATE TABLE users (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, disabled BOOLEAN NOT NULL DEFAULT false,
                created_at TEXT NOT NULL, last_sign_in_at TEXT
            );
            CREATE UNIQUE INDEX users_by_email ON users (lower(email));
            -- Not a projection: the one mutable secret, kept out of the append-only log.
            CREATE TABLE credentials (user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL);
            """),
        ("state", """
            CREATE TABLE state (kind TEXT NOT NULL, key TEXT NOT NULL, fields BYTEA NOT NULL, link TEXT, created BIGINT, PRIMARY KEY (kind, key));
            CREATE TABLE state_changes (position BIGINT NOT NULL);
            INSERT INTO state_changes VALUES (0);
            """),
        ("history", """
            CREATE TABLE entity_changes (kind TEXT NOT NULL, key TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (kind, key, position));
            CREATE TABLE entity_renames (
                kind TEXT NOT NULL, key TEXT NOT NULL, previous_key TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (kind, key, position)
            );
            CREATE INDEX entity_renames_by_previous_key ON entity_renames (kind, previous_key);
            """),
        ("sessions", """
            CREATE TABLE sessions (token_sha256 TEXT PRIMARY KEY, csrf_token TEXT NOT NULL, user_id TEXT, expires_at TEXT NOT NULL);
            CREATE INDEX sessions_by_user ON sessions (user_id);
            CREATE INDEX sessions_by_expiry ON sessions (expires_at);
            """),
        ("state-digests-and-version", """
            -- Keys in byte order, as SQLite keeps them: exports and the fold read entities in it.
            ALTER TABLE state ALTER COLUMN key TYPE TEXT COLLATE "C";
            ALTER TABLE entity_changes ALTER COLUMN key TYPE TEXT COLLATE "C";
            ALTER TABLE entity_renames ALTER COLUMN key TYPE TEXT COLLATE "C", ALTER COLUMN previous_key TYPE TEXT COLLATE "C";
            CREATE INDEX state_links ON state (kind, key) WHERE link IS NOT NULL;
            CREATE TABLE state_digest_pages (bucket BIGINT PRIMARY KEY, pairs BYTEA NOT NULL);
            -- What the projections hold (`Ledger.projectionsVersion`): 3 for an empty log's.
            CREATE TABLE projections_version (version INTEGER NOT NULL);
            INSERT INTO projections_version VALUES (CASE WHEN EXISTS (SELECT 1 FROM events) THEN 1 ELSE 3 END);
            """),
        ("work_in_progress", """
            -- An approval's row while its lease is held: one left behind, whose lease anyone can
            -- take, is an approval its server stopped in the middle of.
            CREATE TABLE work_in_progress (import_id TEXT NOT NULL, work TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (import_id, work));
            """),
        ("blobs", """
            -- A blob's bytes in rows of at most 1 MiB; its row in blobs, written last in the same
            -- transaction, says that they are all there.
            CREATE TABLE blob_chunks (sha256 TEXT NOT NULL, chunk INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (sha256, chunk));
            CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL);
            """),
        ("blob-chunks-uncompressed", """
            -- Stored as they come: compressing 70 MB a file cost a second and a half of its upload.
            ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
            """),
        ("state-links-index-dropped", """
            -- A scan reads every link of a kind: a pass over the table serves it as well, and the
            -- index cost a first import a million more entries to write.
            DROP INDEX state_links;
            """),
        ("blob-chunks-under-a-key-of-their-own", """
            -- A blob's chunks are copied in while its bytes are hashed, under a key of their own
            -- that its row names: storing a 70 MB file took its hash, then its copy, one after
            -- the other. A blob stored before keeps its hash as that key.
            ALTER TABLE blob_chunks RENAME COLUMN sha256 TO blob;
            ALTER TABLE blobs ADD COLUMN chunks TEXT;
            UPDATE blobs SET chunks = sha256;
            ALTER TABLE blobs ALTER COLUMN chunks SET NOT NULL;
            """),
        ("compressed-with-lz4", """
            -- An event's values over 2 KB are compressed: pglz took a first approval a second and
            -- a half to write and a replay a second to read; lz4 a third of that. The stored
            -- files, kept uncompressed from pglz, take lz4 in less time than they took raw, at
            -- two fifths of the size. A server built without lz4 keeps what it had.
            DO $$ BEGIN
                ALTER TABLE events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4;
                ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTENDED, ALTER COLUMN data SET COMPRESSION lz4;
            EXCEPTION WHEN feature_not_supported THEN NULL;
            END $$;
            """),
        ("webhook-secrets", """
            -- Not a projection: the key each webhook's deliveries are signed with, kept out of
            -- the append-only log as the password hashes are.
            CREATE TABLE webhook_secrets (webhook_id TEXT PRIMARY KEY, secret TEXT NOT NULL);
            """),
        ("activity-reverts", """
            ALTER TABLE activity ADD COLUMN reverted_by_name TEXT, ADD COLUMN reverted_by_email TEXT, ADD COLUMN reverted_at TEXT;
            """),
        ("activity-changes", """
            ALTER TABLE activity ADD COLUMN changes TEXT;
            """),
    ]

    /// Runs the migrations this database has not had yet, once, under the migrations lock.
    static func migrate(_ connection: PostgreSQLConnection) throws {
        try connection.transaction {
            try connection.lockForTransaction(advisoryKey: migrationsLock)
            // Looked up first: the servers' role may not create tables (`grant(to:on:)`).
            if try connection.execute("SELECT to_regclass('ledger_migrations') IS NULL")[0].value(0, as: Bool.self) {
                try connection.execute("CREATE TABLE ledger_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            }
            let applied = Set(try connection.execute("SELECT name FROM ledger_migrations").map { try $0.value(0, as: String.self) })
            for migration in migrations where !applied.contains(migration.name) {
                try connection.executeScript(migration.sql)
                try connection.execute("INSERT INTO ledger_migrations (name) VALUES ($1)", [.text(migration.name)])
            }
        }
    }

    /// The tables the servers change as the log goes on: projections, credentials, sessions, leases.
    static let changingTables = [
        "activity", "users", "credentials", "state", "state_changes", "entity_changes", "entity_renames", "sessions", "state_digest_pages",
        "projections_version", "work_in_progress", "webhook_secrets",
    ]

    /// Gives `role` what `ledger serve` and the commands need of this schema, and of the log and
    /// the stored files no more than to read and add: whatever the servers run, they cannot alter
    /// the past, even with the triggers gone. The schema's owner runs the migrations.
    static func grant(to role: String, on connection: PostgreSQLConnection) throws {
        let role = PostgreSQLConnection.quotedIdentifier(role)
        let schema = PostgreSQLConnection.quotedIdentifier(try connection.execute("SELECT current_schema()")[0].value(0, as: String.self))
        try connection.transaction {
            _ = try connection.executeScript("""
                GRANT USAGE ON SCHEMA \(schema) TO \(role);
                GRANT SELECT ON ledger_migrations TO \(role);
                GRANT SELECT, INSERT ON events, blobs, blob_chunks TO \(role);
                GRANT SELECT, INSERT, UPDATE, DELETE ON \(changingTables.joined(separator: ", ")) TO \(role);
                """)
        }
    }
}
