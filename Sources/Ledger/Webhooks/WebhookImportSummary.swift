import Foundation

/// What a delivery's body says of its import.
public struct WebhookImportSummary: Sendable, Codable, Equatable {
    /// Lowercase, as the ledger shows ids everywhere.
    public var id: String
    public var file: String
    public var state: String
    public var records: Int?
    public var ready: Int?
    public var errors: Int?
    public var warnings: Int?
    public var imported: Int?
    public var unchanged: Int?
    public var skipped: Int?
    public var via: String
    public var droppedBy: String
    public var decidedBy: String?

    /// The state an event leaves its import in.
    static func state(after event: String) -> String? {
        switch event {
        case WebhookEventName.scanned: ImportStatus.scanned.rawValue
        case WebhookEventName.approved: ImportStatus.approved.rawValue
        case WebhookEventName.done: ImportStatus.imported.rawValue
        case WebhookEventName.cancelled: ImportStatus.cancelled.rawValue
        case WebhookEventName.failed: ImportStatus.failed.rawValue
        case WebhookEventName.reverted: ImportStatus.reverted.rawValue
        default: nil
        }
    }
}
