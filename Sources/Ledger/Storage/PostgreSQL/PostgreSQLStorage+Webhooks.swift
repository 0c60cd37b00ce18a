import Foundation

/// The webhooks' secrets on PostgreSQL: beside the log, like the password hashes.
extension PostgreSQLStorage {
    func webhookSecret(of webhookID: UUID) throws -> String? {
        try read { connection in
            try connection.execute("SELECT secret FROM webhook_secrets WHERE webhook_id = $1", [.text(webhookID.lowercasedString)])
                .first?.value(0, as: String.self)
        }
    }
}
