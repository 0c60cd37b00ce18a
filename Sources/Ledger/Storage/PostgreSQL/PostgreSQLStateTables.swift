import Foundation

/// The state's tables and the log in one PostgreSQL transaction: rows read through cursors in
/// binary form, and written with `COPY` into temporary tables that one statement then merges.
final class PostgreSQLStateTables: ProjectionRebuild {
    let connection: PostgreSQLConnection
    private let coder: EventCoder
    /// A connection of its own for reading the whole log as the server sends it, while this
    /// transaction's connection stays free for the reads and writes between its rows: a
    /// rebuild's, which holds the log's lock, so that no event comes or goes meanwhile.
    private let logReader: (() throws -> PostgreSQLConnection)?
    /// In a rebuild beside the live tables: their new tables, whose connection of its own writes
    /// the history index while this one writes the state, and whose indexes are built after
    /// their rows.
    private let beside: PostgreSQLProjectionsBeside?
    /// The history index's rows being written there.
    private var historyWritten: Handoff<Result<Void, any Error>>?

    init(
        _ connection: PostgreSQLConnection, coder: EventCoder = .ledger, logReader: (() throws -> PostgreSQLConnection)? = nil,
        beside: PostgreSQLProjectionsBeside? = nil
    ) {
        self.connection = connection
        self.coder = coder
        self.logReader = logReader
        self.beside = beside
    }

    // MARK: Reads

    func lastStateChange() throws -> Int64 {
        try connection.execute("SELECT position FROM state_changes").first?.value(0, as: Int64.self) ?? 0
    }

    func entityCounts() throws -> [EntityKind: Int] {
        var counts: [EntityKind: Int] = [:]
        for row in try connection.execute("SELECT kind, COUNT(*) FROM state GROUP BY kind") {
            if let kind = EntityKind(rawValue: try row.value(0, as: String.self)) { counts[kind] = Int(try row.value(1, as: Int64.self)) }
        }
        return counts
    }

    func forEachEntity(of kind: EntityKind?, _ body: (EntityKind, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let (condition, parameters): (String, [PostgreSQLValue?]) = kind.map { ("WHERE kind = $1", [.text($0.rawValue)]) } ?? ("", [])
        try connection.forEachRow("SELECT kind, key, fields FROM state \(condition) ORDER BY kind, key", parameters) { row in
            guard let kind = EntityKind(rawValue: row.text(0)) else { return }
            try body(kind, row.bytes(1), row.bytes(2))
        }
    }

    func entity(_ kind: EntityKind, _ key: String) throws -> (fields: Data, created: Int64?)? {
        try connection.execute("SELECT fields, created FROM state WHERE kind = $1 AND key = $2", [.text(kind.rawValue), .text(key)]).first
            .map { (try $0.value(0, as: Data.self), try $0.value(1, as: Int64?.self)) }
    }

    func entities(_ keys: [EntityKey]) throws -> [EntityKey: Data] {
        var found: [EntityKey: Data] = [:]
        try connection.forEachRow(
            "SELECT kind, key, fields FROM state WHERE (kind, key) IN (SELECT k, v COLLATE \"C\" FROM unnest($1::text[], $2::text[]) AS wanted (k, v))",
            [.text(PostgreSQLStorage.array(keys.map(\.kind.rawValue))), .text(PostgreSQLStorage.array(keys.map(\.key)))]
        ) { row in
            guard let kind = EntityKind(rawValue: row.text(0)) else { return }
            found[EntityKey(kind: kind, key: row.text(1))] = row.data(2)
        }
        return found
    }

    func creations() throws -> [EntityKey: Int64] {
        var creations: [EntityKey: Int64] = [:]
        try connection.forEachRow("SELECT kind, key, created FROM state WHERE created IS NOT NULL") { row in
            guard let kind = EntityKind(rawValue: row.text(0)) else { return }
            creations[EntityKey(kind: kind, key: row.text(1))] = row.integer(2)
        }
        return creations
    }

    /// An estimate, from the statistics ANALYZE keeps: counting the rows read them a second time.
    func linkCount(of kind: EntityKind) throws -> Int {
        let estimate = try connection.execute("""
            SELECT (c.reltuples * s.most_common_freqs[array_position(s.most_common_vals::text::text[], $1)])::bigint
            FROM pg_class c JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = 'kind'
            WHERE c.oid = 'state'::regclass AND c.reltuples > 0
            """, [.text(kind.rawValue)]).first?.value(0, as: Int64?.self)
        return Int((estimate ?? nil) ?? 0)
    }

    /// As the server sends the rows: a scan's state is read while its file is stored, and a fetch
    /// at a time left both waiting. `body` only keeps what it is given.
    func forEachLink(of kind: EntityKind, _ body: (String, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try connection.forEachRowAsSent("SELECT key, link FROM state WHERE kind = $1 AND link IS NOT NULL", [.text(kind.rawValue)]) { row in
            try body(row.text(0), row.bytes(1))
        }
    }

    func digestPagesSize() throws -> Int {
        Int(try connection.execute("SELECT COALESCE(SUM(length(pairs)), 0)::bigint FROM \(DigestPages.table)").first?.value(0, as: Int64.self) ?? 0)
    }

    func forEachDigestPage(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try connection.forEachRow("SELECT pairs FROM \(DigestPages.table)") { row in try body(UnsafeRawBufferPointer(row.bytes(0))) }
    }

    func digestPages(_ buckets: [Int64]) throws -> [Int64: Data] {
        guard !buckets.isEmpty else { return [:] }
        var pages: [Int64: Data] = [:]
        try connection.forEachRow("SELECT bucket, pairs FROM \(DigestPages.table) WHERE bucket = ANY($1::bigint[])", [.text(PostgreSQLStorage.array(buckets))]) { row in
            pages[row.integer(0)] = row.data(1)
        }
        return pages
    }

    // MARK: Writes

    func writeDigestPages(_ pages: [(bucket: Int64, pairs: Data?)]) throws {
        guard !pages.isEmpty else { return }
        try connection.execute("DELETE FROM \(DigestPages.table) WHERE bucket = ANY($1::bigint[])", [.text(PostgreSQLStorage.array(pages.map(\.bucket)))])
        try connection.binaryCopy(into: DigestPages.table, columns: ["bucket", "pairs"]) { writer in
            for page in pages {
                guard let pairs = page.pairs else { continue }
                writer.writeBigInt(page.bucket)
                pairs.withUnsafeBytes { writer.writeBytes($0) }
                try writer.endRow()
            }
        }
    }

    func stateRows() throws -> any StateRowWriter { try PostgreSQLStateRowWriter(connection, beside: beside) }

    func write(_ history: HistoryProjection.Batch) throws {
        for row in history.renames {
            try connection.execute(
                "INSERT INTO entity_renames (kind, key, previous_key, position) VALUES ($1, $2, $3, $4)",
                [.text(row.kind.rawValue), .text(row.key), .text(row.previousKey), .integer(row.position)])
        }
        guard let beside else { return try Self.writeIndexRows(of: history, on: connection, beside: nil) }
        try waitForTheHistory()
        let written = Handoff<Result<Void, any Error>>()
        written.startOnThreadOfItsOwn {
            Result {
                let writer = try beside.connectionBeside()
                try writer.transaction { try Self.writeIndexRows(of: history, on: writer, beside: beside) }
            }
        }
        historyWritten = written
    }

    /// Waits for the history index's rows written on the connection of their own; throws what
    /// stopped them.
    func waitForTheHistory() throws {
        guard let written = historyWritten else { return }
        historyWritten = nil
        try written.wait().get()
    }

    /// Copied straight into the index where no row can be there already; the older rows through
    /// a temporary table, merged (a merge of every row took three times as long).
    private static func writeIndexRows(of history: HistoryProjection.Batch, on connection: PostgreSQLConnection, beside: PostgreSQLProjectionsBeside?) throws {
        let (new, older) = history.rowsInKeyOrder()
        func copy(_ rows: [(kind: EntityKind, key: String, value: Int64)], into table: String) throws {
            try connection.binaryCopy(into: table, columns: ["kind", "key", "position"]) { writer in
                for row in rows {
                    writer.writeText(row.kind.rawValue)
                    writer.writeText(row.key)
                    writer.writeBigInt(row.value)
                    try writer.endRow()
                }
            }
        }
        if !new.isEmpty { try copy(new, into: "entity_changes") }
        try beside?.index("entity_changes", on: connection)
        guard !older.isEmpty else { return }
        try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS entity_changes_incoming (kind TEXT, key TEXT COLLATE \"C\", position BIGINT) ON COMMIT DROP")
        try connection.execute("TRUNCATE entity_changes_incoming")
        try copy(older, into: "entity_changes_incoming")
        try connection.execute("INSERT INTO entity_changes (kind, key, position) SELECT kind, key, position FROM entity_changes_incoming ON CONFLICT DO NOTHING")
    }

    // MARK: The log

    func forEachEvent(from first: Int64, through last: Int64?, _ body: (Int64, UnsafeBufferPointer<UInt8>, Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let sql = "SELECT position, type, schema_version, data FROM events WHERE position BETWEEN $1 AND $2 ORDER BY position"
        let parameters: [PostgreSQLValue?] = [.integer(first), .integer(last ?? Int64.max)]
        func handOn(_ row: PostgreSQLRawRow) throws { try body(row.integer(0), row.bytes(1), Int(row.integer(2)), row.bytes(3)) }
        guard let logReader else { return try connection.forEachRow(sql, parameters, handOn) }
        try logReader().forEachRowAsSent(sql, parameters, handOn)
    }

    func eventCount() throws -> Int64 { try connection.execute("SELECT COALESCE(MAX(position), 0) FROM events").first?.value(0, as: Int64.self) ?? 0 }

    func event(at position: Int64) throws -> RecordedEvent? {
        try connection.execute("SELECT * FROM events WHERE position = $1", [.integer(position)]).first.map(PostgreSQLStorage.event)
    }

    func project(_ event: RecordedEvent) throws { try PostgreSQLStorage.project(event, on: connection, coder: coder) }
}

/// State rows written with `COPY`: the entities created by the changes straight into `state`
/// as they come (a first import's million rows: an upsert of each through a temporary table took
/// three times as long), the others kept and copied into a temporary table at the end, then
/// merged into `state` by two statements: one for the rows that replace their entity's
/// creation, one for those that keep it.
private final class PostgreSQLStateRowWriter: StateRowWriter {
    private let connection: PostgreSQLConnection
    private let beside: PostgreSQLProjectionsBeside?
    private static let columns = ["kind", "key", "fields", "link", "created"]
    /// The new rows' copy into `state`, begun at the first of them.
    private var new: PostgreSQLBinaryCopyWriter?
    /// The other rows, held until the new ones are in (one copy at a time on a connection).
    private var changed = PostgreSQLBinaryCopyWriter(holdingRows: true)

    init(_ connection: PostgreSQLConnection, beside: PostgreSQLProjectionsBeside?) throws {
        self.connection = connection
        self.beside = beside
    }

    func put(
        _ kind: EntityKind, key: UnsafeRawBufferPointer, fields: UnsafeRawBufferPointer, link: UnsafeRawBufferPointer?, created: Int64?,
        replacesCreated: Bool, isNew: Bool
    ) throws {
        func write(_ copy: inout PostgreSQLBinaryCopyWriter) throws {
            copy.writeText(kind.rawValue)
            copy.writeText(key)
            copy.writeBytes(fields)
            if let link { copy.writeText(link) } else { copy.writeNull() }
            if let created { copy.writeBigInt(created) } else { copy.writeNull() }
            if !isNew { copy.writeBoolean(replacesCreated) }
            try copy.endRow()
        }
        if isNew {
            if new == nil { new = try connection.beginBinaryCopy(into: "state", columns: Self.columns) }
            try write(&new!)
        } else {
            try write(&changed)
        }
    }

    func delete(_ kind: EntityKind, key: String) throws {
        try connection.execute("DELETE FROM state WHERE kind = $1 AND key = $2", [.text(kind.rawValue), .text(key)])
    }

    /// The copies hold their own bytes of every row put.
    func flush() throws {}

    func finish() throws {
        if var new { try connection.endBinaryCopy(&new) }
        try beside?.index("state", on: connection)
        guard changed.rowCount > 0 else { return }
        try connection.execute("""
            CREATE TEMPORARY TABLE IF NOT EXISTS state_incoming (
                kind TEXT, key TEXT COLLATE "C", fields BYTEA, link TEXT, created BIGINT, replaces_created BOOLEAN
            ) ON COMMIT DROP
            """)
        try connection.execute("TRUNCATE state_incoming")
        try connection.sendHeldRows(&changed, into: "state_incoming", columns: Self.columns + ["replaces_created"])
        try connection.execute("""
            INSERT INTO state (kind, key, fields, link, created) SELECT kind, key, fields, link, created FROM state_incoming WHERE replaces_created
            ON CONFLICT (kind, key) DO UPDATE SET fields = excluded.fields, link = excluded.link, created = excluded.created
            """)
        try connection.execute("""
            INSERT INTO state (kind, key, fields, link, created) SELECT kind, key, fields, link, created FROM state_incoming WHERE NOT replaces_created
            ON CONFLICT (kind, key) DO UPDATE SET fields = excluded.fields, link = excluded.link
            """)
    }
}
