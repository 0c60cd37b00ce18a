import Foundation
import GRDB

/// The webhooks' secrets on SQLite: beside the log, like the password hashes.
extension SQLiteStorage {
    static func registerWebhookMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("webhook-secrets") { db in
            // Not a projection: replay leaves it alone, as it leaves the credentials.
            try db.execute(sql: "CREATE TABLE webhook_secrets (webhook_id TEXT PRIMARY KEY, secret TEXT NOT NULL)")
        }
    }

    static func store(secret: String, ofWebhook webhookID: UUID, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO webhook_secrets (webhook_id, secret) VALUES (?, ?)", arguments: [webhookID.lowercasedString, secret])
    }

    func webhookSecret(of webhookID: UUID) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT secret FROM webhook_secrets WHERE webhook_id = ?", arguments: [webhookID.lowercasedString])
        }
    }
}
