import DataExchange
import Foundation

/// `LedgerStorage` on a PostgreSQL database that any number of servers share (docs/decisions/0022
/// and 0023). Every append takes the log's advisory lock for its transaction: one total order for
/// the hash chain, and positions that become visible in order.
final class PostgreSQLStorage: LedgerStorage {
    let pool: PostgreSQLPool
    let coder = EventCoder.ledger

    /// Connects to `url` and brings the schema up to date (once, whichever process comes first).
    init(url: String) throws {
        do {
            pool = try PostgreSQLPool(url: url)
            try pool.withConnection(PostgreSQLSchema.migrate)
            try pool.withConnection(PostgreSQLProjectionsBeside.dropLeftovers)
        } catch let error as PostgreSQLError {
            throw Self.failure(error)
        }
    }

    // MARK: The log

    func record(_ events: [NewEvent], expecting: [String: ExpectedVersion], credential: Credential?) throws -> [RecordedEvent] {
        try write { connection in
            try connection.lockForTransaction(advisoryKey: PostgreSQLSchema.logLock)
            var appender = try PostgreSQLAppender(connection: connection)
            try appender.check(expecting)
            var recorded: [RecordedEvent] = []
            for event in events {
                guard let appended = try appender.append(event) else { continue }
                try Self.project(appended, on: connection, coder: coder)
                recorded.append(appended)
            }
            if let credential { try Self.keep(credential, on: connection) }
            return recorded
        }
    }

    static func keep(_ credential: Credential, on connection: PostgreSQLConnection) throws {
        switch credential {
        case .password(let userID, let hash):
            try connection.execute(
                "INSERT INTO credentials (user_id, password_hash) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash",
                [.text(userID.lowercasedString), .text(hash)])
        case .webhookSecret(let webhookID, let secret):
            try connection.execute(
                "INSERT INTO webhook_secrets (webhook_id, secret) VALUES ($1, $2) ON CONFLICT (webhook_id) DO UPDATE SET secret = excluded.secret",
                [.text(webhookID.lowercasedString), .text(secret)])
        }
    }

    func credentials() throws -> [Credential] {
        try read { connection in
            let passwords = try connection.execute("SELECT user_id, password_hash FROM credentials ORDER BY user_id").compactMap { row -> Credential? in
                guard let id = UUID(uuidString: try row.value(0, as: String.self)) else { return nil }
                return .password(userID: id, hash: try row.value(1, as: String.self))
            }
            let secrets = try connection.execute("SELECT webhook_id, secret FROM webhook_secrets ORDER BY webhook_id").compactMap { row -> Credential? in
                guard let id = UUID(uuidString: try row.value(0, as: String.self)) else { return nil }
                return .webhookSecret(webhookID: id, secret: try row.value(1, as: String.self))
            }
            return passwords + secrets
        }
    }

    func keep(_ credentials: [Credential]) throws {
        try write { connection in
            for credential in credentials { try Self.keep(credential, on: connection) }
        }
    }

    /// One transaction that holds the log's lock from its start: approvals, like every append,
    /// are made one at a time, whichever server makes them.
    func approving<Result>(_ body: (any ApprovalTransaction) throws -> Result) throws -> Result {
        try write { connection in
            try connection.lockForTransaction(advisoryKey: PostgreSQLSchema.logLock)
            return try body(try PostgreSQLApprovalTransaction(connection, coder: coder))
        }
    }

    /// Brings the projections that follow the log along one event.
    static func project(_ event: RecordedEvent, on connection: PostgreSQLConnection, coder: EventCoder) throws {
        guard let change = try ProjectionChange(event, coder: coder) else { return }
        switch change {
        case let .importUploaded(id, fileName, size, sha256, kind, via, at, byName, byEmail, position):
            try connection.execute(
                """
                INSERT INTO activity (id, file_name, size, sha256, kind, via, status, dropped_at, dropped_by_name, dropped_by_email, position)
                VALUES ($1, $2, $3, $4, $5, $6, 'uploaded', $7, $8, $9, $10)
                """,
                [.text(id), .text(fileName), .integer(Int64(size)), .text(sha256), .text(kind), .text(via), .text(at), .text(byName), .text(byEmail),
                 .integer(position)])
        case let .importScanned(id, records, ready, errors, warnings, fileErrors, reportSHA256, reportSize):
            try connection.execute(
                """
                UPDATE activity SET status = 'scanned', records = $1, ready = $2, errors = $3, warnings = $4, file_errors = $5,
                report_sha256 = $6, report_size = $7 WHERE id = $8
                """,
                [.integer(Int64(records)), .integer(Int64(ready)), .integer(Int64(errors)), .integer(Int64(warnings)), .integer(Int64(fileErrors)),
                 .text(reportSHA256), .integer(Int64(reportSize)), .text(id)])
        case let .importPreviewed(id, changes):
            try connection.execute("UPDATE activity SET changes = $1 WHERE id = $2", [.text(changes), .text(id)])
        case let .importApproved(id, byName, byEmail, at):
            try connection.execute(
                "UPDATE activity SET status = 'approved', decided_by_name = $1, decided_by_email = $2, decided_at = $3 WHERE id = $4",
                [.text(byName), .text(byEmail), .text(at), .text(id)])
        case let .importCompleted(id, imported, unchanged, skipped, position):
            try connection.execute(
                "UPDATE activity SET status = 'imported', imported = $1, unchanged = $2, skipped = $3 WHERE id = $4",
                [.integer(Int64(imported)), .integer(Int64(unchanged)), .integer(Int64(skipped)), .text(id)])
            try connection.execute("UPDATE state_changes SET position = $1", [.integer(position)])
        case let .importCancelled(id, byName, byEmail, at, reason):
            try connection.execute(
                "UPDATE activity SET status = 'cancelled', decided_by_name = $1, decided_by_email = $2, decided_at = $3, reason = $4 WHERE id = $5",
                [.text(byName), .text(byEmail), .text(at), reason.map(PostgreSQLValue.text), .text(id)])
        case let .importFailed(id, reason):
            try connection.execute("UPDATE activity SET status = 'failed', reason = $1 WHERE id = $2", [.text(reason), .text(id)])
        case let .importReverted(id, byName, byEmail, at, reason, position):
            try connection.execute(
                "UPDATE activity SET status = 'reverted', reverted_by_name = $1, reverted_by_email = $2, reverted_at = $3, reason = $4 WHERE id = $5",
                [.text(byName), .text(byEmail), .text(at), .text(reason), .text(id)])
            try connection.execute("UPDATE state_changes SET position = $1", [.integer(position)])
        case let .userCreated(id, name, email, role, at):
            try connection.execute(
                "INSERT INTO users (id, name, email, role, created_at) VALUES ($1, $2, $3, $4, $5)", [.text(id), .text(name), .text(email), .text(role), .text(at)])
        case let .userDisabled(id):
            try connection.execute("UPDATE users SET disabled = true WHERE id = $1", [.text(id)])
        case let .userSignedIn(id, at):
            try connection.execute("UPDATE users SET last_sign_in_at = $1 WHERE id = $2", [.text(at), .text(id)])
        }
    }

    func events(in stream: String) throws -> [RecordedEvent] {
        try events("SELECT * FROM events WHERE stream = $1 ORDER BY version", [.text(stream)])
    }

    func events(at positions: [Int64]) throws -> [RecordedEvent] {
        guard !positions.isEmpty else { return [] }
        return try events("SELECT * FROM events WHERE position = ANY($1::bigint[]) ORDER BY position", [.text(Self.array(positions))])
    }

    func events(matching filter: EventFilter, limit: Int) throws -> [RecordedEvent] {
        var conditions: [String] = [], parameters: [PostgreSQLValue?] = []
        func parameter(_ value: PostgreSQLValue) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        if let positions = filter.positions { conditions.append("position = ANY(\(parameter(.text(Self.array(positions.sorted()))))::bigint[])") }
        if let email = filter.actorEmail { conditions.append("convert_from(metadata, 'UTF8')::jsonb -> 'actor' ->> 'email' = \(parameter(.text(email)))") }
        if let streams = filter.streams { conditions.append("stream = ANY(\(parameter(.text(Self.array(streams))))::text[])") }
        if let since = filter.since { conditions.append("recorded_at >= \(parameter(.text(Timestamp.text(since))))") }
        if let until = filter.until { conditions.append("recorded_at <= \(parameter(.text(Timestamp.text(until))))") }
        if let types = filter.types { conditions.append("type = ANY(\(parameter(.text(Self.array(types))))::text[])") }
        if let after = filter.after { conditions.append("position > \(parameter(.integer(after)))") }
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try events("SELECT * FROM events \(condition) ORDER BY position LIMIT \(parameter(.integer(Int64(limit))))", parameters)
    }

    func lastPosition(recordedBy date: Date) throws -> Int64 {
        try read { connection in
            try connection.execute("SELECT COALESCE(MAX(position), 0) FROM events WHERE recorded_at <= $1", [.text(Timestamp.text(date))])
                .first?.value(0, as: Int64.self) ?? 0
        }
    }

    func historyIndex(of selection: HistoryProjection.Selection, upTo position: Int64) throws -> (positions: Set<Int64>, names: Set<String>) {
        try read { connection in try HistoryProjection.positions(of: selection, upTo: position, in: PostgreSQLHistoryIndex(connection: connection)) }
    }

    private func events(_ sql: String, _ parameters: [PostgreSQLValue?]) throws -> [RecordedEvent] {
        try read { connection in try connection.execute(sql, parameters).map(Self.event) }
    }

    static func event(_ row: PostgreSQLRow) throws -> RecordedEvent {
        let metadata: Data = try row.value("metadata")
        return RecordedEvent(
            position: try row.value("position"), stream: try row.value("stream"), version: try row.value("version"), id: try row.value("id"),
            type: try row.value("type"), schemaVersion: Int(try row.value("schema_version", as: Int64.self)), data: try row.value("data"),
            metadata: try JSONDecoder().decode(EventMetadata.self, from: metadata),
            recordedAt: Timestamp.date(try row.value("recorded_at")) ?? Date(timeIntervalSince1970: 0), hash: try row.value("hash"))
    }

    /// An array parameter in PostgreSQL's text form, `{a,b}`, each element quoted.
    static func array(_ elements: [some CustomStringConvertible]) -> String {
        "{" + elements.map { "\"" + $0.description.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    // MARK: Users

    static let accounts = "SELECT users.*, credentials.password_hash FROM users LEFT JOIN credentials ON credentials.user_id = users.id"

    func users() throws -> [UserAccount] {
        try read { connection in try connection.execute(Self.accounts + " ORDER BY lower(name), email").map(Self.account) }
    }

    func user(email: String) throws -> UserAccount? {
        try read { connection in try connection.execute(Self.accounts + " WHERE lower(email) = lower($1)", [.text(email)]).first.map(Self.account) }
    }

    func user(id: UUID) throws -> UserAccount? {
        try read { connection in try connection.execute(Self.accounts + " WHERE id = $1", [.text(id.lowercasedString)]).first.map(Self.account) }
    }

    static func account(_ row: PostgreSQLRow) throws -> UserAccount {
        UserAccount(
            id: UUID(uuidString: try row.value("id")) ?? UUID(), name: try row.value("name"), email: try row.value("email"),
            role: Role(rawValue: try row.value("role")) ?? .auditor, passwordHash: try row.value("password_hash", as: String?.self) ?? "",
            disabled: try row.value("disabled"), createdAt: try row.value("created_at"), lastSignInAt: try row.value("last_sign_in_at"))
    }

    // MARK: The Activity List

    func activity(limit: Int, offset: Int) throws -> [ActivityEntry] {
        try read { connection in
            try connection.execute("SELECT * FROM activity ORDER BY position DESC LIMIT $1 OFFSET $2", [.integer(Int64(limit)), .integer(Int64(offset))])
                .map(Self.activityEntry)
        }
    }

    func activityEntry(_ id: UUID) throws -> ActivityEntry? {
        try read { connection in try connection.execute("SELECT * FROM activity WHERE id = $1", [.text(id.lowercasedString)]).first.map(Self.activityEntry) }
    }

    func activityCount() throws -> Int {
        try read { connection in Int(try connection.execute("SELECT COUNT(*) FROM activity").first?.value(0, as: Int64.self) ?? 0) }
    }

    func importIDs(startingWith prefix: String, limit: Int) throws -> [UUID] {
        try read { connection in
            try connection.execute("SELECT id FROM activity WHERE id LIKE $1 ESCAPE '\\' LIMIT $2", [.text(LikePattern.prefix(prefix)), .integer(Int64(limit))])
                .compactMap { UUID(uuidString: try $0.value(0, as: String.self)) }
        }
    }

    func importsAwaitingTheirScan() throws -> [UUID] {
        try read { connection in
            try connection.execute("SELECT id FROM activity WHERE status = 'uploaded'").compactMap { UUID(uuidString: try $0.value(0, as: String.self)) }
        }
    }

    func firstImportedImport(ofFileWithSHA256 sha256: String) throws -> UUID? {
        try read { connection in
            try connection.execute("SELECT id FROM activity WHERE sha256 = $1 AND status = 'imported' ORDER BY position LIMIT 1", [.text(sha256)])
                .first.flatMap { UUID(uuidString: try $0.value(0, as: String.self)) }
        }
    }

    static func activityEntry(_ row: PostgreSQLRow) throws -> ActivityEntry {
        func count(_ column: String) throws -> Int? { try row.value(column, as: Int64?.self).map(Int.init) }
        return ActivityEntry(
            id: try row.value("id"), fileName: try row.value("file_name"), size: Int(try row.value("size", as: Int64.self)), sha256: try row.value("sha256"),
            kind: try row.value("kind"), via: try row.value("via"), status: try row.value("status"), droppedAt: try row.value("dropped_at"),
            droppedByName: try row.value("dropped_by_name"), droppedByEmail: try row.value("dropped_by_email"), records: try count("records"),
            ready: try count("ready"), errors: try count("errors"), warnings: try count("warnings"), fileErrors: try count("file_errors"),
            imported: try count("imported"), unchanged: try count("unchanged"), skipped: try count("skipped"),
            decidedByName: try row.value("decided_by_name"), decidedByEmail: try row.value("decided_by_email"), decidedAt: try row.value("decided_at"),
            reason: try row.value("reason"), reportSha256: try row.value("report_sha256"), reportSize: try count("report_size"),
            revertedByName: try row.value("reverted_by_name"), revertedByEmail: try row.value("reverted_by_email"), revertedAt: try row.value("reverted_at"),
            changes: try row.value("changes"))
    }

    // MARK: Sessions

    func insertSession(_ session: StoredSession) throws {
        try write { connection in
            try connection.execute(
                "INSERT INTO sessions (token_sha256, csrf_token, user_id, expires_at) VALUES ($1, $2, $3, $4)",
                [.text(session.tokenHash), .text(session.csrfToken), session.userID.map { .text($0.lowercasedString) }, .text(Timestamp.text(session.expires))])
        }
    }

    func session(tokenHash: String) throws -> StoredSession? {
        try read { connection in
            try connection.execute("SELECT * FROM sessions WHERE token_sha256 = $1", [.text(tokenHash)]).first.map { row in
                StoredSession(
                    tokenHash: try row.value("token_sha256"), csrfToken: try row.value("csrf_token"),
                    userID: try row.value("user_id", as: String?.self).flatMap(UUID.init(uuidString:)),
                    expires: Timestamp.date(try row.value("expires_at")) ?? .distantPast)
            }
        }
    }

    func deleteSession(tokenHash: String) throws {
        try write { connection in try connection.execute("DELETE FROM sessions WHERE token_sha256 = $1", [.text(tokenHash)]) }
    }

    func deleteSessions(of userID: UUID) throws {
        try write { connection in try connection.execute("DELETE FROM sessions WHERE user_id = $1", [.text(userID.lowercasedString)]) }
    }

    func deleteSessions(expiredBy now: Date) throws {
        try write { connection in try connection.execute("DELETE FROM sessions WHERE expires_at <= $1", [.text(Timestamp.text(now))]) }
    }

    // MARK: Transactions and failures

    func read<T>(_ body: (PostgreSQLConnection) throws -> T) throws -> T {
        do { return try pool.withConnection(body) } catch let error as PostgreSQLError { throw Self.failure(error) }
    }

    /// Runs `body` in one transaction, all or nothing; a unique key taken meanwhile is someone
    /// else's append that came first.
    @discardableResult
    func write<T>(_ body: (PostgreSQLConnection) throws -> T) throws -> T {
        do {
            return try pool.withConnection { connection in try connection.transaction { try body(connection) } }
        } catch let error as PostgreSQLError where error.isUniqueViolation {
            throw LedgerError(.versionConflict, "Another change was recorded at the same time; read again and retry.")
        } catch let error as PostgreSQLError {
            throw Self.failure(error)
        }
    }

    static func failure(_ error: PostgreSQLError) -> LedgerError {
        LedgerError(.storage, "The ledger's PostgreSQL database failed: \(error.message).")
    }
}

/// Appends events inside a transaction that holds the log's lock, continuing the hash chain.
struct PostgreSQLAppender {
    let connection: PostgreSQLConnection
    private var position: Int64
    private var previous: String
    private var versions: [String: Int64] = [:]
    private let recordedAt: String
    private let recordedDate: Date

    init(connection: PostgreSQLConnection) throws {
        self.connection = connection
        let last = try connection.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").first
        position = try last?.value("position", as: Int64.self) ?? 0
        previous = try last?.value("hash", as: String.self) ?? HashChain.genesis
        // Milliseconds, as the log writes them, so the date read back is the date returned.
        recordedDate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        recordedAt = Timestamp.text(recordedDate)
    }

    mutating func check(_ expecting: [String: ExpectedVersion]) throws {
        for (stream, expected) in expecting { try expected.check(stream, at: try version(of: stream)) }
    }

    private mutating func version(of stream: String) throws -> Int64 {
        if let known = versions[stream] { return known }
        let current = try connection.execute("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = $1", [.text(stream)]).first?.value(0, as: Int64.self) ?? 0
        versions[stream] = current
        return current
    }

    /// Appends `event`; nil when an event with its id is in the log already.
    mutating func append(_ event: NewEvent) throws -> RecordedEvent? {
        guard try connection.execute("SELECT 1 FROM events WHERE id = $1", [.text(event.id.uuidString)]).isEmpty else { return nil }
        var chain = try chain(of: event.stream, metadata: event.metadata)
        let recorded = chain.link(event)
        try connection.execute(
            """
            INSERT INTO events (position, stream, version, id, type, schema_version, data, metadata, recorded_at, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            [.integer(recorded.position), .text(recorded.stream), .integer(recorded.version), .text(recorded.id.uuidString), .text(recorded.type),
             .integer(Int64(recorded.schemaVersion)), .bytes(recorded.data), .bytes(chain.encodedMetadata), .text(recordedAt), .text(recorded.hash)])
        carryOn(from: chain)
        return recorded
    }

    /// Where the log ends for appending to `stream` with `metadata`.
    mutating func chain(of stream: String, metadata: EventMetadata) throws -> LogChain {
        LogChain(
            stream: stream, version: try version(of: stream), position: position, previous: previous, metadata: metadata,
            encodedMetadata: try metadata.encoded(), recordedAt: recordedAt, recordedDate: recordedDate)
    }

    /// Writes events that `chain` linked, in order, and carries on from where it ended. They go
    /// into a copy left open until the next statement: the server takes them in while the
    /// approval works out the next ones.
    mutating func insert(_ events: [RecordedEvent], endingAt chain: LogChain) throws {
        let recordedAt = recordedAt
        try connection.lingeringCopy(into: "events", columns: PostgreSQLBinaryCopyWriter.eventColumns) { writer in
            for event in events {
                try writer.writeEvent(LoggedEvent(
                    position: event.position, stream: event.stream, version: event.version, id: event.id, type: event.type,
                    schemaVersion: event.schemaVersion, data: event.data, metadata: chain.encodedMetadata, recordedAt: recordedAt, hash: event.hash))
            }
        }
        carryOn(from: chain)
    }

    private mutating func carryOn(from chain: LogChain) {
        position = chain.position
        previous = chain.previous
        versions[chain.stream] = chain.version
    }
}

/// The history index's lookups in PostgreSQL.
private struct PostgreSQLHistoryIndex: HistoryIndexReader {
    let connection: PostgreSQLConnection

    func previousKeys(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [String] {
        try lookup("SELECT previous_key FROM entity_renames", "position", kinds: kinds, key: key, prefix: prefix, upTo: position)
            .map { try $0.value(0, as: String.self) }
    }

    func changes(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [Int64] {
        try lookup("SELECT position FROM entity_changes", "position", kinds: kinds, key: key, prefix: prefix, upTo: position).map { try $0.value(0) }
    }

    func creations(kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> [Int64] {
        try lookup("SELECT created FROM state", "created", kinds: kinds, key: key, prefix: prefix, upTo: position).map { try $0.value(0) }
    }

    private func lookup(_ select: String, _ positionColumn: String, kinds: [EntityKind], key: String, prefix: Bool, upTo position: Int64) throws -> PostgreSQLRows {
        let keyCondition = prefix ? "(key = $2 OR key LIKE $4 ESCAPE '\\')" : "key = $2"
        var parameters: [PostgreSQLValue?] = [.text(PostgreSQLStorage.array(kinds.map(\.rawValue))), .text(key), .integer(position)]
        if prefix { parameters.append(.text(LikePattern.prefix(key))) }
        return try connection.execute("\(select) WHERE kind = ANY($1::text[]) AND \(keyCondition) AND \(positionColumn) <= $3", parameters)
    }
}
