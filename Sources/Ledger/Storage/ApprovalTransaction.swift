import Foundation

/// One approval's transaction (docs/decisions/0022): what it reads of the ledger as it stands,
/// and what it appends and writes, all kept at its end or all dropped. The approval works out
/// the changes; the backend keeps them its own way.
protocol ApprovalTransaction: AnyObject {
    /// Fails with `versionConflict` unless every stream is at its expected version.
    func check(_ expecting: [String: ExpectedVersion]) throws
    /// Appends one event with the projections that follow it; nil when its id is logged already.
    func append(_ event: NewEvent) throws -> RecordedEvent?
    /// Where the log ends for `stream`'s next events, which `insert` then writes in bulk.
    func chain(of stream: String, metadata: EventMetadata) throws -> LogChain
    /// Writes events that `chain` linked, in order, and carries on from where it ended.
    func insert(_ events: [RecordedEvent], endingAt chain: LogChain) throws

    /// The position of an import's completion, if it completed.
    func completion(of importID: UUID) throws -> Int64?
    /// The state's tables, read and written in this transaction.
    var tables: any StateTablesWriter { get }
}
