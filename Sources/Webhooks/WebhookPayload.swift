import Foundation
import Ledger

/// A delivery's body (docs/api.md, "Webhooks"): the event, its import, and where to read more.
struct WebhookPayload: Encodable {
    struct Links: Encodable {
        /// The import's status in the API.
        var `import`: String
        /// Its exceptions, a page at a time, in the API.
        var exceptions: String
    }

    /// The delivery's id: receivers dedupe on it.
    var id: String
    var event: String
    var occurredAt: Date
    var `import`: WebhookImportSummary?
    /// The webhook a test was asked for.
    var webhook: String?
    var links: Links?

    init(_ delivery: WebhookDelivery, summary: WebhookImportSummary?, baseURL: String) {
        id = delivery.id.lowercasedString
        event = delivery.event
        occurredAt = delivery.occurredAt
        self.import = summary
        webhook = summary == nil ? delivery.webhookID.lowercasedString : nil
        links = delivery.importID.map { id in
            let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            let status = "\(base)/v1/bde/import/\(id.lowercasedString)"
            return Links(import: status, exceptions: status + "/report")
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
