import Foundation
import GRDB

/// `LedgerStorage` on the ledger's SQLite file, through the pool of its `SQLiteEventStore`.
struct SQLiteStorage: LedgerStorage {
    let store: SQLiteEventStore
    var pool: DatabasePool { store.pool }
    let coder = EventCoder.ledger

    /// Opens (creating if needed) the ledger's file at `path`, with every table brought up to date.
    init(path: String) throws {
        store = try SQLiteEventStore(path: path) { migrator in
            ActivityProjection.registerMigrations(&migrator)
            StateProjection.registerMigrations(&migrator)
            HistoryProjection.registerMigrations(&migrator)
            UsersProjection.registerMigrations(&migrator)
            Self.registerMaintenanceMigrations(&migrator)
            Self.registerMigrations(&migrator)
            Self.registerWebhookMigrations(&migrator)
        }
    }

    /// Migrations are history: named, append-only, never edited once shipped.
    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("sessions") { db in
            // Not a projection: replay leaves it alone, as it leaves the credentials.
            try db.execute(sql: """
                CREATE TABLE sessions (
                    token_sha256 TEXT PRIMARY KEY, csrf_token TEXT NOT NULL, user_id TEXT, expires_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX sessions_by_user ON sessions (user_id);
                CREATE INDEX sessions_by_expiry ON sessions (expires_at);
                """)
        }
    }

    func record(_ events: [NewEvent], expecting: [String: ExpectedVersion], credential: Credential?) throws -> [RecordedEvent] {
        try store.write { db in
            let recorded = try SQLiteEventStore.append(events, expecting: expecting, in: db)
            for event in recorded { try Self.project(event, in: db, coder: coder) }
            if let credential { try Self.keep(credential, in: db) }
            return recorded
        }
    }

    static func keep(_ credential: Credential, in db: Database) throws {
        switch credential {
        case .password(let userID, let hash): try UsersProjection.store(passwordHash: hash, of: userID, in: db)
        case .webhookSecret(let webhookID, let secret): try store(secret: secret, ofWebhook: webhookID, in: db)
        }
    }

    func credentials() throws -> [Credential] {
        try read { db in
            let passwords = try Row.fetchAll(db, sql: "SELECT user_id, password_hash FROM credentials ORDER BY user_id").compactMap { row in
                UUID(uuidString: row[0]).map { Credential.password(userID: $0, hash: row[1]) }
            }
            let secrets = try Row.fetchAll(db, sql: "SELECT webhook_id, secret FROM webhook_secrets ORDER BY webhook_id").compactMap { row in
                UUID(uuidString: row[0]).map { Credential.webhookSecret(webhookID: $0, secret: row[1]) }
            }
            return passwords + secrets
        }
    }

    func keep(_ credentials: [Credential]) throws {
        try store.write { db in
            for credential in credentials { try Self.keep(credential, in: db) }
        }
    }

    /// Brings every projection along one event. Not for an approval's changes (`RecordApplied`),
    /// which an approval and a replay fold in memory (`StateFold`, `HistoryProjection.Batch`) and
    /// write once at the end.
    static func project(_ event: RecordedEvent, in db: Database, coder: EventCoder) throws {
        guard let change = try ProjectionChange(event, coder: coder) else { return }
        switch change {
        case let .importUploaded(id, fileName, size, sha256, kind, via, at, byName, byEmail, position):
            try db.execute(
                sql: """
                    INSERT INTO activity (id, file_name, size, sha256, kind, via, status, dropped_at, dropped_by_name, dropped_by_email, position)
                    VALUES (?, ?, ?, ?, ?, ?, 'uploaded', ?, ?, ?, ?)
                    """,
                arguments: [id, fileName, size, sha256, kind, via, at, byName, byEmail, position])
        case let .importScanned(id, records, ready, errors, warnings, fileErrors, reportSHA256, reportSize):
            try db.execute(
                sql: """
                    UPDATE activity SET status = 'scanned', records = ?, ready = ?, errors = ?, warnings = ?, file_errors = ?,
                    report_sha256 = ?, report_size = ? WHERE id = ?
                    """,
                arguments: [records, ready, errors, warnings, fileErrors, reportSHA256, reportSize, id])
        case let .importPreviewed(id, changes):
            try db.execute(sql: "UPDATE activity SET changes = ? WHERE id = ?", arguments: [changes, id])
        case let .importApproved(id, byName, byEmail, at):
            try db.execute(
                sql: "UPDATE activity SET status = 'approved', decided_by_name = ?, decided_by_email = ?, decided_at = ? WHERE id = ?",
                arguments: [byName, byEmail, at, id])
        case let .importCompleted(id, imported, unchanged, skipped, position):
            try db.execute(sql: "UPDATE activity SET status = 'imported', imported = ?, unchanged = ?, skipped = ? WHERE id = ?",
                           arguments: [imported, unchanged, skipped, id])
            try db.execute(sql: "UPDATE state_changes SET position = ?", arguments: [position])
        case let .importCancelled(id, byName, byEmail, at, reason):
            try db.execute(
                sql: "UPDATE activity SET status = 'cancelled', decided_by_name = ?, decided_by_email = ?, decided_at = ?, reason = ? WHERE id = ?",
                arguments: [byName, byEmail, at, reason, id])
        case let .importFailed(id, reason):
            try db.execute(sql: "UPDATE activity SET status = 'failed', reason = ? WHERE id = ?", arguments: [reason, id])
        case let .importReverted(id, byName, byEmail, at, reason, position):
            try db.execute(
                sql: "UPDATE activity SET status = 'reverted', reverted_by_name = ?, reverted_by_email = ?, reverted_at = ?, reason = ? WHERE id = ?",
                arguments: [byName, byEmail, at, reason, id])
            try db.execute(sql: "UPDATE state_changes SET position = ?", arguments: [position])
        case let .userCreated(id, name, email, role, at):
            try db.execute(sql: "INSERT INTO users (id, name, email, role, created_at) VALUES (?, ?, ?, ?, ?)", arguments: [id, name, email, role, at])
        case let .userDisabled(id):
            try db.execute(sql: "UPDATE users SET disabled = 1 WHERE id = ?", arguments: [id])
        case let .userSignedIn(id, at):
            try db.execute(sql: "UPDATE users SET last_sign_in_at = ? WHERE id = ?", arguments: [at, id])
        }
    }

    func approving<Result>(_ body: (any ApprovalTransaction) throws -> Result) throws -> Result {
        try store.write { db in try body(try SQLiteApprovalTransaction(db, coder: coder)) }
    }

    func events(in stream: String) throws -> [RecordedEvent] { try store.events(in: stream) }

    func events(at positions: [Int64]) throws -> [RecordedEvent] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM events WHERE position = ?")
            return try positions.sorted().compactMap { position in
                try Row.fetchOne(statement, arguments: [position]).map(SQLiteEventStore.event)
            }
        }
    }

    func events(matching filter: EventFilter, limit: Int) throws -> [RecordedEvent] {
        var conditions: [String] = [], arguments: StatementArguments = []
        if let positions = filter.positions {
            conditions.append("position IN (\(positions.isEmpty ? "NULL" : positions.sorted().map(String.init).joined(separator: ",")))")
        }
        if let email = filter.actorEmail {
            conditions.append("json_extract(metadata, '$.actor.email') = ?")
            arguments += [email]
        }
        if let streams = filter.streams {
            conditions.append("stream IN (\(streams.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(streams)
        }
        if let since = filter.since {
            conditions.append("recorded_at >= ?")
            arguments += [Timestamp.text(since)]
        }
        if let until = filter.until {
            conditions.append("recorded_at <= ?")
            arguments += [Timestamp.text(until)]
        }
        if let types = filter.types {
            conditions.append("type IN (\(types.isEmpty ? "NULL" : types.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(types)
        }
        if let after = filter.after {
            conditions.append("position > ?")
            arguments += [after]
        }
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events \(condition) ORDER BY position LIMIT ?", arguments: arguments + [limit]).map(SQLiteEventStore.event)
        }
    }

    func lastPosition(recordedBy date: Date) throws -> Int64 {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events WHERE recorded_at <= ?", arguments: [Timestamp.text(date)]) ?? 0
        }
    }

    func historyIndex(of selection: HistoryProjection.Selection, upTo position: Int64) throws -> (positions: Set<Int64>, names: Set<String>) {
        try read { db in try HistoryProjection.positions(of: selection, upTo: position, in: SQLiteHistoryIndex(db: db)) }
    }

    func users() throws -> [UserAccount] {
        try read { db in try UserAccount.fetchAll(db, sql: UsersProjection.accounts + " ORDER BY name COLLATE NOCASE, email") }
    }

    func user(email: String) throws -> UserAccount? {
        try read { db in try UserAccount.fetchOne(db, sql: UsersProjection.accounts + " WHERE email = ?", arguments: [email]) }
    }

    func user(id: UUID) throws -> UserAccount? {
        try read { db in try UserAccount.fetchOne(db, sql: UsersProjection.accounts + " WHERE id = ?", arguments: [id.lowercasedString]) }
    }

    func activity(limit: Int, offset: Int) throws -> [ActivityEntry] {
        try read { db in
            try ActivityEntry.fetchAll(db, sql: "SELECT * FROM activity ORDER BY position DESC LIMIT ? OFFSET ?", arguments: [limit, offset])
        }
    }

    func activityEntry(_ id: UUID) throws -> ActivityEntry? {
        try read { db in try ActivityEntry.fetchOne(db, sql: "SELECT * FROM activity WHERE id = ?", arguments: [id.lowercasedString]) }
    }

    func activityCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM activity") ?? 0 }
    }

    func importIDs(startingWith prefix: String, limit: Int) throws -> [UUID] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM activity WHERE id LIKE ? ESCAPE '\\' LIMIT ?", arguments: [LikePattern.prefix(prefix), limit])
        }.compactMap(UUID.init(uuidString:))
    }

    func importsAwaitingTheirScan() throws -> [UUID] {
        try read { db in try String.fetchAll(db, sql: "SELECT id FROM activity WHERE status = 'uploaded'") }.compactMap(UUID.init(uuidString:))
    }

    func firstImportedImport(ofFileWithSHA256 sha256: String) throws -> UUID? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT id FROM activity WHERE sha256 = ? AND status = 'imported' ORDER BY position LIMIT 1", arguments: [sha256])
        }.flatMap(UUID.init(uuidString:))
    }

    func insertSession(_ session: StoredSession) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_sha256, csrf_token, user_id, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [session.tokenHash, session.csrfToken, session.userID?.lowercasedString, Timestamp.text(session.expires)])
        }
    }

    func session(tokenHash: String) throws -> StoredSession? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE token_sha256 = ?", arguments: [tokenHash]).map { row in
                let user: String? = row["user_id"]
                return StoredSession(
                    tokenHash: row["token_sha256"], csrfToken: row["csrf_token"], userID: user.flatMap(UUID.init(uuidString:)),
                    expires: Timestamp.date(row["expires_at"]) ?? .distantPast)
            }
        }
    }

    func deleteSession(tokenHash: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM sessions WHERE token_sha256 = ?", arguments: [tokenHash]) }
    }

    func deleteSessions(of userID: UUID) throws {
        try write { db in try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [userID.lowercasedString]) }
    }

    func deleteSessions(expiredBy now: Date) throws {
        try write { db in try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [Timestamp.text(now)]) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as DatabaseError { throw Self.failure(error) }
    }

    /// Writes as the log's own writes do, with the same failures said as `LedgerError`s.
    func write<T>(_ body: (Database) throws -> T) throws -> T { try store.write(body) }

    private static func failure(_ error: DatabaseError) -> LedgerError {
        LedgerError(.storage, "The ledger's database failed: \(error.message ?? "\(error.resultCode)").")
    }
}
