import Foundation

/// The state projection's tables, as one transaction or one consistent read sees them: what the
/// fold, the scan's state, the digests and the exports read, each backend its own way
/// (docs/decisions/0022). Bytes handed to a body are valid inside the call only.
protocol StateTables: AnyObject {
    /// The position of the last import's completion: a scan made before it is stale.
    func lastStateChange() throws -> Int64
    /// How many entities of each kind are stored.
    func entityCounts() throws -> [EntityKind: Int]
    /// Every stored entity of `kind` (of every kind when nil) with its encoded fields
    /// (`FieldsCodec`), by kind and then key, byte by byte.
    func forEachEntity(of kind: EntityKind?, _ body: (_ kind: EntityKind, _ key: UnsafeBufferPointer<UInt8>, _ fields: UnsafeBufferPointer<UInt8>) throws -> Void) throws
    /// One stored entity's encoded fields, and where it was created when its row keeps that.
    func entity(_ kind: EntityKind, _ key: String) throws -> (fields: Data, created: Int64?)?
    /// Many stored entities' encoded fields at once; an entity not stored is left out.
    func entities(_ keys: [EntityKey]) throws -> [EntityKey: Data]
    /// The stored entities' creation positions, which an ID Update file's renames move.
    func creations() throws -> [EntityKey: Int64]
    /// About how many entities of `kind` have a link (`StateLink`): what to make room for
    /// before `forEachLink`; an estimate serves.
    func linkCount(of kind: EntityKind) throws -> Int
    /// Each entity of `kind` that has a link, with it.
    func forEachLink(of kind: EntityKind, _ body: (_ key: String, _ link: UnsafeBufferPointer<UInt8>) throws -> Void) throws
    /// The total size of the digest pages, and each page (`DigestPages`).
    func digestPagesSize() throws -> Int
    func forEachDigestPage(_ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// The stored pages of these buckets.
    func digestPages(_ buckets: [Int64]) throws -> [Int64: Data]
}

/// The state projection's tables in a write transaction: an approval's or a replay's.
protocol StateTablesWriter: StateTables {
    /// Replaces these buckets' pages; nil removes one.
    func writeDigestPages(_ pages: [(bucket: Int64, pairs: Data?)]) throws
    /// A writer of state rows, for one `StateProjection.write`.
    func stateRows() throws -> any StateRowWriter
    /// Writes the history index rows gathered.
    func write(_ history: HistoryProjection.Batch) throws
}

/// State rows written in bulk: the rows removed first, then the others. A row's bytes are
/// borrowed: valid until the next `flush`.
protocol StateRowWriter: AnyObject {
    /// Inserts or replaces an entity's row; `replacesCreated` false keeps the creation position
    /// the stored row has. `isNew`: the entity was created by the changes written, so the table
    /// has no row of it, and a backend may add it without looking for one.
    func put(
        _ kind: EntityKind, key: UnsafeRawBufferPointer, fields: UnsafeRawBufferPointer, link: UnsafeRawBufferPointer?, created: Int64?,
        replacesCreated: Bool, isNew: Bool) throws
    /// Removes an entity's row: it was renamed away. Before any `put`.
    func delete(_ kind: EntityKind, key: String) throws
    /// Writes or takes a copy of what `put` was given, whose bytes are about to go.
    func flush() throws
    /// Ends the writing: every row is in its table.
    func finish() throws
}

/// The log as a replay and a time travel read it: every event's few columns, in order.
protocol LogRows: AnyObject {
    /// The events from `first` up to `last` (all when nil), in order, each with its type's bytes and data.
    func forEachEvent(
        from first: Int64, through last: Int64?, _ body: (_ position: Int64, _ type: UnsafeBufferPointer<UInt8>, _ schemaVersion: Int, _ data: UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws
    /// How many events the log holds: its last position, as positions run from 1 without a gap
    /// (`Ledger.verify` checks it); counting them read the whole table.
    func eventCount() throws -> Int64
    /// One whole event.
    func event(at position: Int64) throws -> RecordedEvent?
}

/// A consistent read of the ledger: the state's tables and the log at one moment.
typealias LedgerSnapshot = StateTables & LogRows

/// A rebuild of the projections, in one transaction: emptied first, then written from the log.
protocol ProjectionRebuild: StateTablesWriter, LogRows {
    /// Brings the projections that follow single events along `event` (uploads, scans, users…).
    func project(_ event: RecordedEvent) throws
}
