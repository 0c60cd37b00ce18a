import Crypto
import Foundation

/// One event sent, or to be sent, to one webhook, and what came of its attempts.
public struct WebhookDelivery: Sendable, Equatable {
    /// The same on every server and after a restart: derived from the webhook and the position of
    /// the event it delivers. Receivers dedupe on it, as a delivery may arrive more than once.
    public var id: UUID
    public var webhookID: UUID
    /// Its name as the receiver sees it (`WebhookEventName`).
    public var event: String
    /// The import it is about; nil for a test.
    public var importID: UUID?
    /// The log's position of the event it delivers.
    public var position: Int64
    public var occurredAt: Date
    public var attempts: Int = 0
    public var firstAttemptAt: Date?
    public var lastAttemptAt: Date?
    /// The receiver's last HTTP status, if it answered.
    public var lastStatus: Int?
    /// Why the last attempt got no answer, if it did not.
    public var lastError: String?
    public var deliveredAt: Date?
    /// When it is tried again; nil when it was delivered or given up.
    public var nextAttemptAt: Date?
    public var gaveUp: Bool = false
    /// The version of its stream, which the next attempt's outcome is appended at.
    public var version: Int64 = 0

    public var isPending: Bool { deliveredAt == nil && !gaveUp }

    /// Where it stands, as the admins are told.
    public enum Outcome: Sendable, Equatable {
        case delivered(Date)
        case gaveUp
        /// Not attempted yet when `next` is nil.
        case pending(next: Date?)

        /// `delivered`, `gave-up` or `pending`: a name for scripts and the page.
        public var name: String {
            switch self {
            case .delivered: "delivered"
            case .gaveUp: "gave-up"
            case .pending: "pending"
            }
        }
    }

    public var outcome: Outcome { deliveredAt.map(Outcome.delivered) ?? (gaveUp ? .gaveUp : .pending(next: nextAttemptAt)) }

    /// What the receiver last answered (`HTTP 503`), or why it could not be reached.
    public var lastAnswer: String? { lastStatus.map { "HTTP \($0)" } ?? lastError }

    public static func stream(_ id: UUID) -> String { "webhook-delivery-\(id.lowercasedString)" }

    /// A UUID (version 8) made of the SHA-256 of the webhook's id and the event's position.
    static func id(webhook: UUID, position: Int64) -> UUID {
        let digest = Array(SHA256.hash(data: Data("\(webhook.lowercasedString)/\(position)".utf8)))
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension WebhookDelivery: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, webhook, event, `import`, occurredAt, attempts, firstAttemptAt, lastAttemptAt, lastStatus, lastError, deliveredAt, nextAttemptAt, gaveUp
    }

    /// Ids lowercase, as the ledger shows them everywhere; what is unknown left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.lowercasedString, forKey: .id)
        try container.encode(webhookID.lowercasedString, forKey: .webhook)
        try container.encode(event, forKey: .event)
        try container.encodeIfPresent(importID?.lowercasedString, forKey: .import)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(attempts, forKey: .attempts)
        try container.encodeIfPresent(firstAttemptAt, forKey: .firstAttemptAt)
        try container.encodeIfPresent(lastAttemptAt, forKey: .lastAttemptAt)
        try container.encodeIfPresent(lastStatus, forKey: .lastStatus)
        try container.encodeIfPresent(lastError, forKey: .lastError)
        try container.encodeIfPresent(deliveredAt, forKey: .deliveredAt)
        try container.encodeIfPresent(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(gaveUp, forKey: .gaveUp)
    }
}

/// What one attempt at a delivery came to.
public enum WebhookAttemptOutcome: Sendable, Equatable {
    /// The receiver answered this 2xx status.
    case delivered(status: Int)
    /// The receiver answered another status, or `error` says why it did not answer; tried again
    /// at `nextAttemptAt`, or given up when it is nil.
    case failed(status: Int?, error: String?, nextAttemptAt: Date?)
}
