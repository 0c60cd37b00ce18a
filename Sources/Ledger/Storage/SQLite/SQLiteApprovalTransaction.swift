import Foundation
import GRDB

/// An approval's transaction on SQLite: one write transaction, which GRDB commits when the
/// approval returns and rolls back when it throws.
final class SQLiteApprovalTransaction: ApprovalTransaction {
    private let db: Database
    private var appender: EventAppender
    private let coder: EventCoder

    init(_ db: Database, coder: EventCoder) throws {
        self.db = db
        self.coder = coder
        appender = try EventAppender(db: db)
    }

    func check(_ expecting: [String: ExpectedVersion]) throws { try appender.check(expecting) }

    func append(_ event: NewEvent) throws -> RecordedEvent? {
        guard let recorded = try appender.append(event) else { return nil }
        try SQLiteStorage.project(recorded, in: db, coder: coder)
        return recorded
    }

    func chain(of stream: String, metadata: EventMetadata) throws -> LogChain { try appender.chain(of: stream, metadata: metadata) }

    func insert(_ events: [RecordedEvent], endingAt chain: LogChain) throws { try appender.insert(events, endingAt: chain) }

    func lastStateChange() throws -> Int64 { try StateProjection.lastChange(in: db) }

    func completion(of importID: UUID) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT position FROM events WHERE stream = ? AND type = ?", arguments: [ImportState.stream(importID), ImportCompleted.type])
    }

    func currentState() throws -> CurrentState { try CurrentState.load(from: db) }

    func creations() throws -> [EntityKey: Int64] { try StateProjection.creations(in: db) }

    func storedEntities() throws -> StoredEntities {
        let statement = try db.cachedStatement(sql: "SELECT fields FROM state WHERE kind = ? AND key = ?")
        return StoredEntities(digests: try DigestPages.load(in: db)) { kind, key in
            try Data.fetchOne(statement, arguments: [kind.rawValue, key])
        }
    }

    func scanState() throws -> ScanState { try ScanState.load(from: db) }

    func write(_ history: HistoryProjection.Batch) throws { try history.write(in: db) }

    func write(_ fold: StateFold) throws { try fold.write(in: db) }
}
