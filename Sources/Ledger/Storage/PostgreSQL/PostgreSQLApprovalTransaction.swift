import Foundation

/// An approval's transaction on PostgreSQL: one transaction holding the log's lock, committed
/// when the approval returns and rolled back when it throws.
final class PostgreSQLApprovalTransaction: ApprovalTransaction {
    private let connection: PostgreSQLConnection
    private var appender: PostgreSQLAppender
    private let coder: EventCoder
    let tables: any StateTablesWriter

    init(_ connection: PostgreSQLConnection, coder: EventCoder) throws {
        self.connection = connection
        self.coder = coder
        appender = try PostgreSQLAppender(connection: connection)
        tables = PostgreSQLStateTables(connection, coder: coder)
    }

    func check(_ expecting: [String: ExpectedVersion]) throws { try appender.check(expecting) }

    func append(_ event: NewEvent) throws -> RecordedEvent? {
        guard let recorded = try appender.append(event) else { return nil }
        try PostgreSQLStorage.project(recorded, on: connection, coder: coder)
        return recorded
    }

    func chain(of stream: String, metadata: EventMetadata) throws -> LogChain { try appender.chain(of: stream, metadata: metadata) }

    func insert(_ events: [RecordedEvent], endingAt chain: LogChain) throws { try appender.insert(events, endingAt: chain) }

    func completion(of importID: UUID) throws -> Int64? {
        try connection.execute(
            "SELECT position FROM events WHERE stream = $1 AND type = $2", [.text(ImportState.stream(importID)), .text(ImportCompleted.type)]
        ).first?.value(0, as: Int64.self)
    }
}
