/// The append-only log that everything else is built from. The rest of the code knows only this
/// protocol: SQLite implements it now, PostgreSQL can later, without touching the domain.
public protocol EventStore: Sendable {
    /// Appends `events` in one transaction, all or none. Each stream named in `expecting` must be
    /// at the expected version, or the append fails with `LedgerError.versionConflict`. Events
    /// whose ids are already in the log are not appended again (a retried append is not doubled).
    @discardableResult
    func append(_ events: [NewEvent], expecting: [String: ExpectedVersion]) throws -> [RecordedEvent]

    /// Events in log order from `position` (inclusive), at most `limit`.
    func events(from position: Int64, limit: Int) throws -> [RecordedEvent]

    /// A stream's events in order.
    func events(in stream: String) throws -> [RecordedEvent]

    /// The position of the last event, 0 for an empty log.
    func lastPosition() throws -> Int64

    /// Recomputes the hash chain and checks the log's protections; throws `LedgerError.tampered`
    /// naming the first position that does not match. Returns the number of events checked.
    @discardableResult
    func verify(progress: ((Int64, Int64) -> Void)?) throws -> Int64
}
