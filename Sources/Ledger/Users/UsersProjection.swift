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
                    password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, last_sign_in_at TEXT
                );
                """)
        }
    }

    static func apply(_ event: RecordedEvent, in db: Database, coder: EventCoder) throws {
        let at = SQLiteEventStore.timestamp(event.recordedAt)
        if let created = try coder.decode(event, as: UserCreated.self) {
            try db.execute(
                sql: "INSERT INTO users (id, name, email, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [created.userID.uuidString.lowercased(), created.name, created.email, created.role.rawValue, created.passwordHash, at])
        } else if let disabled = try coder.decode(event, as: UserDisabled.self) {
            try db.execute(sql: "UPDATE users SET disabled = 1 WHERE id = ?", arguments: [disabled.userID.uuidString.lowercased()])
        } else if let reset = try coder.decode(event, as: PasswordReset.self) {
            try db.execute(
                sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [reset.passwordHash, reset.userID.uuidString.lowercased()])
        } else if let signedIn = try coder.decode(event, as: SignedIn.self) {
            try db.execute(sql: "UPDATE users SET last_sign_in_at = ? WHERE id = ?", arguments: [at, signedIn.userID.uuidString.lowercased()])
        }
    }
}
