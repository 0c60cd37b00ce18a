import Foundation

/// An admin asked for the import events named in `events` to be sent to `url`. The secret the
/// deliveries are signed with is kept beside the log, never in it (docs/decisions/0029).
public struct WebhookRegistered: EventPayload, Equatable {
    public static let type = "WebhookRegistered"
    public static let schemaVersion = 1
    public var webhookID: UUID
    public var url: String
    public var events: [String]
}

/// An admin removed a webhook: nothing more is sent to it, pending deliveries included.
public struct WebhookRemoved: EventPayload, Equatable {
    public static let type = "WebhookRemoved"
    public static let schemaVersion = 1
    public var webhookID: UUID
}

/// An admin asked for a `test` event to be sent to a webhook: delivered like the others.
public struct WebhookTestRequested: EventPayload, Equatable {
    public static let type = "WebhookTestRequested"
    public static let schemaVersion = 1
    public var webhookID: UUID
}

/// A receiver answered a delivery with a 2xx: it is done.
public struct WebhookDelivered: EventPayload, Equatable {
    public static let type = "WebhookDelivered"
    public static let schemaVersion = 1
    public var webhookID: UUID
    public var deliveryID: UUID
    public var event: String
    public var importID: UUID?
    public var attempt: Int
    public var status: Int
}

/// An attempt at a delivery failed: the receiver answered something else than a 2xx, or did not
/// answer in time. Tried again at `nextAttemptAt`; given up when that is nil.
public struct WebhookDeliveryFailed: EventPayload, Equatable {
    public static let type = "WebhookDeliveryFailed"
    public static let schemaVersion = 1
    public var webhookID: UUID
    public var deliveryID: UUID
    public var event: String
    public var importID: UUID?
    public var attempt: Int
    /// The receiver's HTTP status, when it answered.
    public var status: Int?
    /// Why no answer came (refused connection, timeout), when none did.
    public var error: String?
    public var nextAttemptAt: Date?
}
