import Foundation

/// An entity's history as scripts read it, from `/v1/history` and `ledger history --json` alike:
/// every change, and the configuration periods they imply. Times are ISO 8601 (UTC), import ids
/// in lower case as every other command and page writes them.
public struct HistoryReport: Encodable, Sendable {
    public struct Change: Encodable, Sendable {
        public struct Field: Encodable, Sendable {
            public var name: String
            public var old: String
            public var new: String
        }
        public var position: Int64
        public var recordedAt: String
        public var byName: String
        public var byEmail: String
        public var importID: String
        public var record: Int
        public var line: Int
        public var entity: String
        public var key: String
        public var created: Bool
        /// The key it had before an ID Update renamed it, on that rename's change.
        public var renamedFrom: String?
        /// The entity was taken out of the state (the import that created it was reverted).
        public var removed: Bool
        /// The change puts back what the import changed (its revert), and why.
        public var reverts: Bool
        public var revertReason: String?
        public var fields: [Field]

        public init(_ entry: HistoryEntry) {
            position = entry.position
            recordedAt = entry.recordedAt.formatted(.iso8601)
            byName = entry.byName
            byEmail = entry.byEmail
            importID = entry.importID.lowercasedString
            record = entry.record
            line = entry.line
            entity = entry.kind.rawValue
            key = entry.key
            created = entry.created
            renamedFrom = entry.previousKey
            removed = entry.removed
            reverts = entry.reverts
            revertReason = entry.revertReason
            fields = entry.fields.sorted { $0.key < $1.key }.map { Field(name: $0.key, old: $0.value.old ?? "", new: $0.value.new ?? "") }
        }
    }

    public struct Period: Encodable, Sendable {
        public var subject: String
        public var configuration: String
        public var configuredKey: String
        public var from: String
        public var fromPosition: Int64
        public var until: String?
        public var untilPosition: Int64?
        public var startDate: String?
        public var endDate: String?

        public init(_ period: ConfigurationPeriod) {
            subject = period.subject
            configuration = period.configuration
            configuredKey = period.configuredKey
            from = period.from.formatted(.iso8601)
            fromPosition = period.fromPosition
            until = period.until?.formatted(.iso8601)
            untilPosition = period.untilPosition
            startDate = period.startDate
            endDate = period.endDate
        }
    }

    public var changes: [Change]
    public var periods: [Period]

    public init(_ entries: [HistoryEntry], periods: [ConfigurationPeriod]) {
        changes = entries.map(Change.init)
        self.periods = periods.map(Period.init)
    }
}
