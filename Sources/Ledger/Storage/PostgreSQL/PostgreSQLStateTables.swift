import Foundation

/// The state's tables and the log in one PostgreSQL transaction: rows read through cursors in
/// binary form, and written with `COPY` into temporary tables that one statement then merges.
final class PostgreSQLStateTables: ProjectionRebuild {
    let connection: PostgreSQLConnection
    private let coder: EventCoder

    init(_ connection: PostgreSQLConnection, coder: EventCoder = .ledger) {
        self.connection = connection
        self.coder = coder
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

    func linkCount(of kind: EntityKind) throws -> Int {
        Int(try connection.execute("SELECT count(*) FROM state WHERE kind = $1 AND link IS NOT NULL", [.text(kind.rawValue)]).first?.value(0, as: Int64.self) ?? 0)
    }

    func forEachLink(of kind: EntityKind, _ body: (String, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try connection.forEachRow("SELECT key, link FROM state WHERE kind = $1 AND link IS NOT NULL", [.text(kind.rawValue)]) { row in
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

    func stateRows() throws -> any StateRowWriter { try PostgreSQLStateRowWriter(connection) }

    func write(_ history: HistoryProjection.Batch) throws {
        for row in history.renames {
            try connection.execute(
                "INSERT INTO entity_renames (kind, key, previous_key, position) VALUES ($1, $2, $3, $4)",
                [.text(row.kind.rawValue), .text(row.key), .text(row.previousKey), .integer(row.position)])
        }
        // Through a temporary table, merged: a rename hands the index a creation it may hold
        // already (as the link of another entity created by the same record).
        guard !history.rows.isEmpty else { return }
        try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS entity_changes_incoming (kind TEXT, key TEXT COLLATE \"C\", position BIGINT) ON COMMIT DROP")
        try connection.execute("TRUNCATE entity_changes_incoming")
        try connection.binaryCopy(into: "entity_changes_incoming", columns: ["kind", "key", "position"]) { writer in
            for row in EntityKind.sortedByKey(history.rows, by: <) {
                writer.writeText(row.kind.rawValue)
                writer.writeText(row.key)
                writer.writeBigInt(row.value)
                try writer.endRow()
            }
        }
        try connection.execute("INSERT INTO entity_changes (kind, key, position) SELECT kind, key, position FROM entity_changes_incoming ON CONFLICT DO NOTHING")
    }

    // MARK: The log

    func forEachEvent(through last: Int64?, _ body: (Int64, UnsafeBufferPointer<UInt8>, Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try connection.forEachRow(
            "SELECT position, type, schema_version, data FROM events WHERE position <= $1 ORDER BY position", [.integer(last ?? Int64.max)]
        ) { row in
            try body(row.integer(0), row.bytes(1), Int(row.integer(2)), row.bytes(3))
        }
    }

    func eventCount() throws -> Int64 { try connection.execute("SELECT COUNT(*) FROM events").first?.value(0, as: Int64.self) ?? 0 }

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
    private static let columns = ["kind", "key", "fields", "link", "created"]
    /// The new rows' copy into `state`, begun at the first of them.
    private var new: PostgreSQLBinaryCopyWriter?
    /// The other rows, held until the new ones are in (one copy at a time on a connection).
    private var changed = PostgreSQLBinaryCopyWriter(holdingRows: true)

    init(_ connection: PostgreSQLConnection) throws {
        self.connection = connection
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
