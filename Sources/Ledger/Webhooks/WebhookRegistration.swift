import Foundation

/// A webhook as the admins see it: where its deliveries go, for what, and who asked for it.
public struct WebhookRegistration: Sendable, Equatable {
    public var id: UUID
    public var url: String
    /// The event names it is sent (`WebhookEventName`).
    public var events: [String]
    public var registeredBy: String
    public var registeredAt: Date
    /// The log's position of its registration: it is sent the import events after it.
    public var position: Int64

    public static func stream(_ id: UUID) -> String { "webhook-\(id.lowercasedString)" }
}

extension WebhookRegistration: Encodable {
    private enum CodingKeys: String, CodingKey { case id, url, events, registeredBy, registeredAt }

    /// Its id lowercase, as the ledger shows ids everywhere.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.lowercasedString, forKey: .id)
        try container.encode(url, forKey: .url)
        try container.encode(events, forKey: .events)
        try container.encode(registeredBy, forKey: .registeredBy)
        try container.encode(registeredAt, forKey: .registeredAt)
    }
}
