import Foundation

/// A person approved an import; its changes follow in the same transaction.
public struct ImportApproved: EventPayload, Equatable {
    public static let type = "ImportApproved"
    public static let schemaVersion = 1
    public var importID: UUID
    /// The ledger had changed since the dry run, so the file was scanned again first.
    public var rescanned: Bool
}

/// What one record of an approved import changed, entity by entity, field by field.
public struct RecordApplied: EventPayload, Equatable {
    public static let type = "RecordApplied"
    public static let schemaVersion = 1
    public var importID: UUID
    public var record: Int
    public var line: Int
    public var changes: [EntityChange]
}

/// The end of an approved import: every record either changed something, changed nothing, or
/// was skipped because its errors blocked all of it.
public struct ImportCompleted: EventPayload, Equatable {
    public static let type = "ImportCompleted"
    public static let schemaVersion = 1
    public var importID: UUID
    public var imported: Int
    public var unchanged: Int
    public var skipped: Int
}
