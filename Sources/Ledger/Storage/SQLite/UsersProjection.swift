import Foundation
import GRDB

/// The users table: who may sign in, with which role and password hash, kept in step with the
/// `user-<id>` streams in the same transaction as each append.
enum UsersProjection {
    /// The stream where refused sign-ins with an e-mail that names nobody are recorded.
    static let unknownUserStream = "sign-in-failures"

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE COLLATE NOCASE, role TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, last_sign_in_at TEXT
                );
                -- Not a projection: the one mutable secret, kept out of the append-only log and
                -- left alone by replay.
                CREATE TABLE credentials (user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL);
                """)
        }
    }

    /// Keeps a person's password hash, replacing the one before.
    static func store(passwordHash: String, of userID: UUID, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO credentials (user_id, password_hash) VALUES (?, ?)", arguments: [userID.lowercasedString, passwordHash])
    }

    /// The users with their password hashes.
    static let accounts = "SELECT users.*, credentials.password_hash FROM users LEFT JOIN credentials ON credentials.user_id = users.id"
}

extension UserAccount: FetchableRecord {
    public init(row: Row) throws {
        self.init(
            id: UUID(uuidString: row["id"]) ?? UUID(), name: row["name"], email: row["email"], role: Role(rawValue: row["role"]) ?? .auditor,
            passwordHash: row["password_hash"] ?? "", disabled: row["disabled"], createdAt: row["created_at"], lastSignInAt: row["last_sign_in_at"])
    }
}
