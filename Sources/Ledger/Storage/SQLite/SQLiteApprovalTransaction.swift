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

    func completion(of importID: UUID) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT position FROM events WHERE stream = ? AND type = ?", arguments: [ImportState.stream(importID), ImportCompleted.type])
    }

    var tables: any StateTablesWriter { SQLiteStateTables(db, coder: coder) }
}
