import Foundation
import GRDB

/// `LedgerStorage` on the ledger's SQLite file, through the pool of its `SQLiteEventStore`.
struct SQLiteStorage: LedgerStorage {
    let pool: DatabasePool

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

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as DatabaseError { throw Self.failure(error) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as DatabaseError { throw Self.failure(error) }
    }

    private static func failure(_ error: DatabaseError) -> LedgerError {
        LedgerError(.storage, "The ledger's database failed: \(error.message ?? "\(error.resultCode)").")
    }
}
