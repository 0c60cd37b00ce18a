import DataExchange
import Foundation
import GRDB

/// The state's tables and the log in one SQLite transaction or read.
final class SQLiteStateTables: ProjectionRebuild {
    let db: Database
    private let coder: EventCoder

    init(_ db: Database, coder: EventCoder = .ledger) {
        self.db = db
        self.coder = coder
    }

    // MARK: Reads

    func lastStateChange() throws -> Int64 { try Int64.fetchOne(db, sql: "SELECT position FROM state_changes") ?? 0 }

    func entityCounts() throws -> [EntityKind: Int] {
        var counts: [EntityKind: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) FROM state GROUP BY kind") {
            if let kind = EntityKind(rawValue: row[0]) { counts[kind] = row[1] }
        }
        return counts
    }

    func forEachEntity(of kind: EntityKind?, _ body: (EntityKind, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let (condition, arguments) = kind.map { ("WHERE kind = ?", [$0.rawValue]) } ?? ("", [])
        try RawRows.forEach(in: db, sql: "SELECT kind, key, fields FROM state \(condition) ORDER BY kind, key", arguments: arguments) { row in
            guard let kind = EntityKind(rawValue: row.text(0)) else { return }
            try body(kind, row.bytes(1), row.blob(2))
        }
    }

    func entity(_ kind: EntityKind, _ key: String) throws -> (fields: Data, created: Int64?)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT fields, created FROM state WHERE kind = ? AND key = ?"), arguments: [kind.rawValue, key])
            .map { ($0["fields"], $0["created"]) }
    }

    /// One look-up each: SQLite is in the process, a look-up costs no round trip.
    func entities(_ keys: [EntityKey]) throws -> [EntityKey: Data] {
        var found: [EntityKey: Data] = [:]
        for key in keys { found[key] = try entity(key.kind, key.key)?.fields }
        return found
    }

    func creations() throws -> [EntityKey: Int64] {
        var creations: [EntityKey: Int64] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT kind, key, created FROM state WHERE created IS NOT NULL")
        while let row = try rows.next() {
            guard let kind = EntityKind(rawValue: row[0]) else { continue }
            creations[EntityKey(kind: kind, key: row[1])] = row[2]
        }
        return creations
    }

    func linkCount(of kind: EntityKind) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM state WHERE kind = ? AND link IS NOT NULL", arguments: [kind.rawValue]) ?? 0
    }

    func forEachLink(of kind: EntityKind, _ body: (String, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try RawRows.forEach(in: db, sql: "SELECT key, link FROM state WHERE kind = ? AND link IS NOT NULL", arguments: [kind.rawValue]) { row in
            try body(row.text(0), row.bytes(1))
        }
    }

    func digestPagesSize() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(length(pairs)), 0) FROM \(DigestPages.table)") ?? 0
    }

    func forEachDigestPage(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try RawRows.forEach(in: db, sql: "SELECT pairs FROM \(DigestPages.table)") { row in try body(UnsafeRawBufferPointer(row.blob(0))) }
    }

    func digestPages(_ buckets: [Int64]) throws -> [Int64: Data] {
        let read = try db.cachedStatement(sql: "SELECT pairs FROM \(DigestPages.table) WHERE bucket = ?")
        var pages: [Int64: Data] = [:]
        for bucket in buckets { pages[bucket] = try Data.fetchOne(read, arguments: [bucket]) }
        return pages
    }

    // MARK: Writes

    func writeDigestPages(_ pages: [(bucket: Int64, pairs: Data?)]) throws {
        let replace = try BulkStatement(db, sql: "INSERT OR REPLACE INTO \(DigestPages.table) (bucket, pairs) VALUES (?, ?)")
        let delete = try BulkStatement(db, sql: "DELETE FROM \(DigestPages.table) WHERE bucket = ?")
        for page in pages {
            if let pairs = page.pairs { try replace.run(.integer(page.bucket), .blob(pairs)) } else { try delete.run(.integer(page.bucket)) }
        }
    }

    func stateRows() throws -> any StateRowWriter { try SQLiteStateRowWriter(db) }

    func write(_ history: HistoryProjection.Batch) throws {
        let rename = try db.cachedStatement(sql: "INSERT INTO entity_renames (kind, key, previous_key, position) VALUES (?, ?, ?, ?)")
        for row in history.renames { try rename.execute(arguments: [row.kind.rawValue, row.key, row.previousKey, row.position]) }
        var insert = try BulkInsert(db, "INSERT OR IGNORE INTO entity_changes (kind, key, position)", columns: 3)
        for row in EntityKind.sortedByKey(history.rows, by: <) {
            try insert.add([.text(row.kind.rawValue), .text(row.key), .integer(row.value)])
        }
        try insert.flush()
    }

    // MARK: The log

    func forEachEvent(from first: Int64, through last: Int64?, _ body: (Int64, UnsafeBufferPointer<UInt8>, Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let sql = "SELECT position, type, schema_version, data FROM events WHERE position BETWEEN \(first) AND \(last ?? Int64.max) ORDER BY position"
        try RawRows.forEach(in: db, sql: sql) { row in try body(row.integer(0), row.bytes(1), Int(row.integer(2)), row.blob(3)) }
    }

    func eventCount() throws -> Int64 { try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM events") ?? 0 }

    func event(at position: Int64) throws -> RecordedEvent? {
        try Row.fetchOne(db, sql: "SELECT * FROM events WHERE position = ?", arguments: [position]).map(SQLiteEventStore.event)
    }

    func project(_ event: RecordedEvent) throws { try SQLiteStorage.project(event, in: db, coder: coder) }
}

/// State rows upserted 512 at a time (`BulkInsert`), the bytes read where they are.
private final class SQLiteStateRowWriter: StateRowWriter {
    private var replacing: BulkInsert
    private var keeping: BulkInsert
    private let delete: BulkStatement

    init(_ db: Database) throws {
        let insert = "INSERT INTO state (kind, key, fields, link, created)"
        replacing = try BulkInsert(
            db, insert, columns: 5, "ON CONFLICT (kind, key) DO UPDATE SET fields = excluded.fields, link = excluded.link, created = excluded.created")
        keeping = try BulkInsert(db, insert, columns: 5, "ON CONFLICT (kind, key) DO UPDATE SET fields = excluded.fields, link = excluded.link")
        delete = try BulkStatement(db, sql: "DELETE FROM state WHERE kind = ? AND key = ?")
    }

    func put(
        _ kind: EntityKind, key: UnsafeRawBufferPointer, fields: UnsafeRawBufferPointer, link: UnsafeRawBufferPointer?, created: Int64?,
        replacesCreated: Bool, isNew: Bool
    ) throws {
        let values: [BulkStatement.Value] = [
            .text(kind.rawValue), .borrowedText(key), .borrowedBlob(fields), link.map(BulkStatement.Value.borrowedText) ?? .null,
            created.map(BulkStatement.Value.integer) ?? .null,
        ]
        try replacesCreated ? replacing.add(values) : keeping.add(values)
    }

    func delete(_ kind: EntityKind, key: String) throws {
        try delete.run(.text(kind.rawValue), .text(key))
    }

    func flush() throws {
        try replacing.flush()
        try keeping.flush()
    }

    func finish() throws { try flush() }
}
