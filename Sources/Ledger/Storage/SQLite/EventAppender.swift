import Foundation
import GRDB

/// Appends events one at a time inside a write transaction that the caller holds, continuing the
/// hash chain: what `append` does for a list, and what an approval does for one event per record
/// of a 70 MB file without holding them all in memory.
struct EventAppender {
    private let db: Database
    private let insert: BulkStatement
    private var position: Int64
    private var previous: String
    private var versions: [String: Int64] = [:]
    private let recordedAt: String
    private let recordedDate: Date
    private var metadataCache: (EventMetadata, Data)?

    init(db: Database) throws {
        self.db = db
        let last = try Row.fetchOne(db, sql: "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        position = last?["position"] ?? 0
        previous = last?["hash"] ?? HashChain.genesis
        // Milliseconds, as the log writes them, so the date read back is the date returned.
        recordedDate = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        recordedAt = Timestamp.text(recordedDate)
        insert = try Self.insertStatement(in: db)
    }

    /// The statement that appends one event as the log stores it (`insert(_:with:)`).
    static func insertStatement(in db: Database) throws -> BulkStatement {
        try BulkStatement(db, sql: """
            INSERT INTO events (position, stream, version, id, type, schema_version, data, metadata, recorded_at, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    static func insert(_ event: LoggedEvent, with statement: BulkStatement) throws {
        try statement.run(
            .integer(event.position), .text(event.stream), .integer(event.version), .text(event.id.uuidString), .text(event.type),
            .integer(Int64(event.schemaVersion)), .blob(event.data), .blob(event.metadata), .text(event.recordedAt), .text(event.hash))
    }

    /// Fails with `versionConflict` unless every stream is at its expected version.
    mutating func check(_ expecting: [String: ExpectedVersion]) throws {
        for (stream, expected) in expecting { try expected.check(stream, at: try version(of: stream)) }
    }

    private mutating func version(of stream: String) throws -> Int64 {
        if let known = versions[stream] { return known }
        let current = try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM events WHERE stream = ?", arguments: [stream]) ?? 0
        versions[stream] = current
        return current
    }

    /// Appends `event`; nil when an event with its id is already in the log.
    @discardableResult
    mutating func append(_ event: NewEvent) throws -> RecordedEvent? {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM events WHERE id = ?", arguments: [event.id.uuidString]) == true { return nil }
        var chain = try chain(of: event.stream, metadata: event.metadata)
        let recorded = chain.link(event)
        try insert([recorded], endingAt: chain)
        return recorded
    }

    /// Where the log ends for appending to `stream` with `metadata`: what `LogChain.link` continues
    /// from, on any thread, before `insert` writes what it linked.
    mutating func chain(of stream: String, metadata: EventMetadata) throws -> LogChain {
        let encoded: Data
        if let (cached, data) = metadataCache, cached == metadata {
            encoded = data
        } else {
            encoded = try metadata.encoded()
            metadataCache = (metadata, encoded)
        }
        return LogChain(
            stream: stream, version: try version(of: stream), position: position, previous: previous, metadata: metadata, encodedMetadata: encoded,
            recordedAt: recordedAt, recordedDate: recordedDate)
    }

    /// Writes events that `chain` linked, in order, and carries on from where it ended.
    mutating func insert(_ events: [RecordedEvent], endingAt chain: LogChain) throws {
        for event in events {
            try Self.insert(LoggedEvent(
                position: event.position, stream: event.stream, version: event.version, id: event.id, type: event.type,
                schemaVersion: event.schemaVersion, data: event.data, metadata: chain.encodedMetadata, recordedAt: recordedAt, hash: event.hash),
                with: insert)
        }
        position = chain.position
        previous = chain.previous
        versions[chain.stream] = chain.version
    }
}
