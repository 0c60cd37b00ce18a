import Foundation

/// The state's reads, the projections' rebuild, and the log read whole, on PostgreSQL.
extension PostgreSQLStorage {
    func reading<Result>(_ body: (any LedgerSnapshot) throws -> Result) throws -> Result {
        try snapshot { connection in try body(PostgreSQLStateTables(connection, coder: coder)) }
    }

    /// Runs `body` in one read-only snapshot: every read in it sees the database as it was when it
    /// began (and a cursor lives in it).
    private func snapshot<Result>(_ body: (PostgreSQLConnection) throws -> Result) throws -> Result {
        try read { connection in
            try connection.transaction {
                try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return try body(connection)
            }
        }
    }

    func projectionsVersion() throws -> Int {
        try read { connection in Int(try connection.execute("SELECT version FROM projections_version").first?.value(0, as: Int64.self) ?? 0) }
    }

    /// Holds the log's lock: no append comes between the first row read and the last written.
    /// The new projections are built beside the live ones, which readers keep until the commit,
    /// the history index on a connection of its own while this one writes the state; a role
    /// that may not do that empties the live ones with DELETE (not TRUNCATE, which would take
    /// them from readers) and writes them again.
    func rebuildingProjections<Result>(version: Int, onlyWhenOlder: Bool, _ body: (any ProjectionRebuild) throws -> Result) throws -> Result? {
        var beside: PostgreSQLProjectionsBeside?
        do {
            return try write { connection in
                try connection.lockForTransaction(advisoryKey: PostgreSQLSchema.logLock)
                if onlyWhenOlder, try connection.execute("SELECT version FROM projections_version").first?.value(0, as: Int64.self) ?? 0 >= Int64(version) {
                    return nil
                }
                beside = try PostgreSQLProjectionsBeside(on: connection, connect: pool.connectionOfItsOwn)
                if beside == nil {
                    for table in projectionTables { try connection.execute("DELETE FROM \(table)") }
                }
                try connection.execute("UPDATE projections_version SET version = $1", [.integer(Int64(version))])
                try connection.execute("UPDATE state_changes SET position = 0")
                let tables = PostgreSQLStateTables(connection, coder: coder, logReader: pool.connectionOfItsOwn, beside: beside)
                do {
                    let result = try body(tables)
                    try tables.waitForTheHistory()
                    try beside?.switchIn(on: connection)
                    return result
                } catch {
                    _ = try? tables.waitForTheHistory()
                    throw error
                }
            }
        } catch {
            // Once the rebuild's transaction has ended: it holds locks on the new tables.
            beside?.discard()
            throw error
        }
    }

    func grantServerAccess(to role: String) throws {
        try read { connection in try PostgreSQLSchema.grant(to: role, on: connection) }
    }

    func projectionRows() throws -> [String] {
        try read { connection in
            try projectionTables.flatMap { table in
                try connection.execute("SELECT * FROM \(table)").map { row in
                    table + " " + row.columns.indices.map { "\(row.columns[$0]):\(row[$0] ?? "NULL")" }.joined(separator: " ")
                }.sorted()
            }
        }
    }

    func backUpDatabase(to path: String, progress: (Int, Int) -> Void) throws {
        throw LedgerError(
            .invalidState,
            "A ledger on PostgreSQL is backed up with PostgreSQL's own tools, the stored files included: pg_dump --format=custom --file=ledger.dump DATABASE_URL (restore with pg_restore into an empty database; `ledger verify` checks it).")
    }

    func lastPosition() throws -> Int64 {
        try read { connection in try connection.execute("SELECT COALESCE(MAX(position), 0) FROM events").first?.value(0, as: Int64.self) ?? 0 }
    }

    func forEachLoggedEvent(_ body: (LoggedEvent) throws -> Void) throws {
        try snapshot { connection in
            try connection.forEachRow(
                "SELECT position, stream, version, id::text, type, schema_version, data, metadata, recorded_at, hash FROM events ORDER BY position"
            ) { row in
                let position = row.integer(0)
                guard let id = UUID(uuidString: row.text(3)) else {
                    throw LedgerError(.tampered, "The event at position \(position) has no valid id: it was altered after it was recorded.")
                }
                try body(LoggedEvent(
                    position: position, stream: row.text(1), version: row.integer(2), id: id, type: row.text(4), schemaVersion: Int(row.integer(5)),
                    data: row.data(6), metadata: row.data(7), recordedAt: row.text(8), hash: row.text(9)))
            }
        }
    }

    func missingLogGuards() throws -> [String] {
        let present = try read { connection in
            Set(try connection.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal AND tgenabled <> 'D'")
                .map { try $0.value(0, as: String.self) })
        }
        return PostgreSQLSchema.logGuards.filter { !present.contains($0) }
    }

    func copyLog(from source: ((LoggedEvent) throws -> Void) throws -> Void) throws -> Int64 {
        try write { connection in
            try connection.lockForTransaction(advisoryKey: PostgreSQLSchema.logLock)
            guard try connection.execute("SELECT COUNT(*) FROM events").first?.value(0, as: Int64.self) == 0 else {
                throw LedgerError(.invalidState, "The ledger to copy into has events already; give an empty database.")
            }
            return Int64(try connection.binaryCopy(into: "events", columns: PostgreSQLBinaryCopyWriter.eventColumns) { writer in
                try source { event in try writer.writeEvent(event) }
            })
        }
    }
}

extension PostgreSQLBinaryCopyWriter {
    /// The columns of the log, as a copy of events writes them.
    static let eventColumns = ["position", "stream", "version", "id", "type", "schema_version", "data", "metadata", "recorded_at", "hash"]

    /// One event as the log stores it, in `eventColumns`.
    mutating func writeEvent(_ event: LoggedEvent) throws {
        writeBigInt(event.position)
        writeText(event.stream)
        writeBigInt(event.version)
        writeUUID(event.id)
        writeText(event.type)
        writeInteger(Int32(event.schemaVersion))
        event.data.withUnsafeBytes { writeBytes($0) }
        event.metadata.withUnsafeBytes { writeBytes($0) }
        writeText(event.recordedAt)
        writeText(event.hash)
        try endRow()
    }
}
