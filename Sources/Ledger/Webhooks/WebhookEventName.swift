import Foundation

/// The names of what a webhook can be sent, and which event of the log each stands for.
public enum WebhookEventName {
    public static let scanned = "import.scanned"
    public static let approved = "import.approved"
    public static let done = "import.done"
    public static let cancelled = "import.cancelled"
    public static let failed = "import.failed"
    public static let reverted = "import.reverted"
    /// Sent only to the webhook an admin asked it for; no webhook subscribes to it.
    public static let test = "test"

    /// What a webhook may subscribe to, in an import's order.
    public static let subscribable = [scanned, approved, done, cancelled, failed, reverted]

    /// The log's event type behind each name.
    static let byEventType: [String: String] = [
        ScanCompleted.type: scanned, ImportApproved.type: approved, ImportCompleted.type: done, ImportCancelled.type: cancelled,
        ImportFailed.type: failed, ImportReverted.type: reverted, WebhookTestRequested.type: test,
    ]
}
