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

    /// The position of the last import's completion: a dry run made before it is stale.
    func lastStateChange() throws -> Int64
    /// The position of an import's completion, if it completed.
    func completion(of importID: UUID) throws -> Int64?
    /// The whole current state, for an ID Update file's renames.
    func currentState() throws -> CurrentState
    /// The stored entities' creation positions, which renames move.
    func creations() throws -> [EntityKey: Int64]
    /// The stored entities' digests, and their fields on demand.
    func storedEntities() throws -> StoredEntities
    /// What a scan compares the file with, for a dry run made stale by another import.
    func scanState() throws -> ScanState

    /// Writes the history index rows the approval gathered.
    func write(_ history: HistoryProjection.Batch) throws
    /// Writes the state rows the approval's changes touched.
    func write(_ fold: StateFold) throws
}
