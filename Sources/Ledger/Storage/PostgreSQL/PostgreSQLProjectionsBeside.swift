import Foundation

/// Projection tables built beside the live ones, in a schema of their own, and switched in at the
/// end of the rebuild's transaction (docs/decisions/0027). Readers keep the live tables until the
/// commit, and the new ones are written fresh: emptying the live tables with DELETE left their
/// indexes full of dead entries, which made a rebuild's copy three times slower. The new tables
/// are made in a transaction of their own, so that other connections can write some of them
/// while the rebuild's writes the others; a rebuild that stops in the middle leaves them behind,
/// dropped by `discard()` or by the next rebuild.
struct PostgreSQLProjectionsBeside: Sendable {
    private let live: String
    private let scratch: String
    private let searchPath: String
    private let connect: @Sendable () throws -> PostgreSQLConnection

    /// Makes the empty tables beside the live ones and makes the transaction's unqualified names
    /// find them first; nil when this role may not (it does not own the tables or may not create
    /// a schema), and the live tables are then emptied and written in place. `connect` opens a
    /// connection of its own.
    init?(on connection: PostgreSQLConnection, connect: @escaping @Sendable () throws -> PostgreSQLConnection) throws {
        let allowed = try connection.execute("""
            SELECT has_database_privilege(current_database(), 'CREATE') AND bool_and(pg_has_role(relowner, 'USAGE')), current_schema(),
                current_setting('search_path')
            FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relkind = 'r' AND relname = ANY($1::text[])
            """, [.text(PostgreSQLStorage.array(projectionTables))])[0]
        guard try allowed.value(0, as: Bool?.self) == true, let schema = try allowed.value(1, as: String?.self) else { return nil }
        live = schema
        scratch = "\(schema.prefix(50))_rebuild"
        searchPath = try allowed.value(2, as: String.self)
        self.connect = connect
        let (liveSchema, scratchSchema) = (PostgreSQLConnection.quotedIdentifier(live), PostgreSQLConnection.quotedIdentifier(scratch))
        // The switch at the end takes each live table from autovacuum, which gives way only
        // after a second (deadlock_timeout) per table: kept from them from now on instead, while
        // readers and writers go on. The new tables get no autovacuum until they are switched in.
        try connection.execute("LOCK TABLE \(projectionTables.map { "\(liveSchema).\($0)" }.joined(separator: ", ")) IN SHARE UPDATE EXCLUSIVE MODE")
        let maker = try connect()
        try maker.transaction {
            try maker.executeScript("DROP SCHEMA IF EXISTS \(scratchSchema) CASCADE; CREATE SCHEMA \(scratchSchema)")
            for table in projectionTables {
                let indexedLater = Self.indexedAfterTheirRows.contains(table)
                try maker.execute("""
                    CREATE TABLE \(scratchSchema).\(table) (LIKE \(liveSchema).\(table) INCLUDING ALL\(indexedLater ? " EXCLUDING INDEXES" : ""))
                    WITH (autovacuum_enabled = false)
                    """)
                if !indexedLater { try nameIndexes(of: table, on: maker) }
            }
        }
        try connection.execute("SELECT set_config('search_path', $1, true)", [.text(besideSearchPath)])
    }

    /// The new tables first, then the live schema's (the log and the rest).
    private var besideSearchPath: String {
        "\(PostgreSQLConnection.quotedIdentifier(scratch)), \(PostgreSQLConnection.quotedIdentifier(live))"
    }

    /// A connection of its own whose unqualified names find the new tables, as the rebuild's do.
    func connectionBeside() throws -> PostgreSQLConnection {
        let connection = try connect()
        try connection.execute("SELECT set_config('search_path', $1, false)", [.text(besideSearchPath)])
        return connection
    }

    /// The tables a rebuild fills with a million rows, made without their indexes, which are
    /// built once the rows are in (`index(_:on:)`): a million state rows copied into a table
    /// with its primary key took half as long again as their copy and the key's build after.
    static let indexedAfterTheirRows: Set<String> = ["state", "entity_changes"]

    /// A table's indexes: name, whether unique, all of its definition from its method on, and
    /// the constraint it backs (a primary key), if any.
    private struct Index {
        var name: String
        var shape: String
        var constraint: String?
    }

    private func indexes(of table: String, in schema: String, on connection: PostgreSQLConnection) throws -> [Index] {
        try connection.execute("""
            SELECT i.relname, pg_get_indexdef(i.oid), pg_get_constraintdef(c.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
            WHERE x.indrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass
            """, [.text(schema), .text(table)]).map { row in
            let definition = try row.value(1, as: String.self)
            let method = definition.range(of: " USING ").map { String(definition[$0.lowerBound...]) } ?? definition
            return Index(
                name: try row.value(0), shape: (definition.hasPrefix("CREATE UNIQUE") ? "UNIQUE " : "") + method, constraint: try row.value(2, as: String?.self))
        }
    }

    /// Gives the new table's indexes the names of the live one's (LIKE makes up its own), so
    /// that they keep them once switched in.
    private func nameIndexes(of table: String, on connection: PostgreSQLConnection) throws {
        let liveNames = Dictionary(try indexes(of: table, in: live, on: connection).map { ($0.shape, $0.name) }, uniquingKeysWith: { first, _ in first })
        for index in try indexes(of: table, in: scratch, on: connection) {
            guard let name = liveNames[index.shape], name != index.name else { continue }
            try connection.execute(
                "ALTER INDEX \(PostgreSQLConnection.quotedIdentifier(scratch)).\(PostgreSQLConnection.quotedIdentifier(index.name)) RENAME TO \(PostgreSQLConnection.quotedIdentifier(name))")
        }
    }

    /// Builds the live table's indexes (its primary key as a primary key) on the new one, under
    /// their names, unless it has them already: before anything looks rows up or merges them
    /// into it, and at the switch.
    func index(_ table: String, on connection: PostgreSQLConnection) throws {
        guard Self.indexedAfterTheirRows.contains(table), try indexes(of: table, in: scratch, on: connection).isEmpty else { return }
        let newTable = "\(PostgreSQLConnection.quotedIdentifier(scratch)).\(PostgreSQLConnection.quotedIdentifier(table))"
        // The sort of a million keys in memory rather than in files; for this transaction only.
        try connection.execute("SELECT set_config('maintenance_work_mem', '256MB', true)")
        for index in try indexes(of: table, in: live, on: connection) {
            let name = PostgreSQLConnection.quotedIdentifier(index.name)
            if let constraint = index.constraint {
                try connection.execute("ALTER TABLE \(newTable) ADD CONSTRAINT \(name) \(constraint)")
            } else {
                let unique = index.shape.hasPrefix("UNIQUE ") ? "UNIQUE " : ""
                try connection.execute("CREATE \(unique)INDEX \(name) ON \(newTable) \(index.shape.dropFirst(unique.count))")
            }
        }
    }

    /// Puts the new tables in the live ones' place, with their grants, and the search path back:
    /// the moment readers wait for is this one, at the end of the rebuild.
    func switchIn(on connection: PostgreSQLConnection) throws {
        let (liveSchema, scratchSchema) = (PostgreSQLConnection.quotedIdentifier(live), PostgreSQLConnection.quotedIdentifier(scratch))
        // Statistics from a sample of 3,000 rows rather than 30,000, enough to plan the lookups
        // by key these tables serve (a tenth of the time), until autovacuum analyzes them again.
        try connection.execute("SET LOCAL default_statistics_target = 10")
        for table in projectionTables {
            try index(table, on: connection)
            try connection.execute("ANALYZE \(scratchSchema).\(table)")
            try connection.execute("ALTER TABLE \(scratchSchema).\(table) RESET (autovacuum_enabled)")
            let grants = try connection.execute("""
                SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.privilege_type
                FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND a.grantee <> c.relowner
                """, [.text(live), .text(table)]).map { (try $0.value(0, as: String.self), try $0.value(1, as: String.self)) }
            try connection.execute("DROP TABLE \(liveSchema).\(table)")
            try connection.execute("ALTER TABLE \(scratchSchema).\(table) SET SCHEMA \(liveSchema)")
            for (grantee, privilege) in grants { try connection.execute("GRANT \(privilege) ON \(liveSchema).\(table) TO \(grantee)") }
        }
        try connection.execute("DROP SCHEMA \(scratchSchema)")
        try connection.execute("SELECT set_config('search_path', $1, true)", [.text(searchPath)])
    }

    /// Drops the new tables that a rebuild whose process died left behind, unless a rebuild runs
    /// now (it holds the log's lock) or this role may not.
    static func dropLeftovers(on connection: PostgreSQLConnection) throws {
        guard let scratch = try connection.execute("SELECT nspname FROM pg_namespace WHERE nspname = left(current_schema(), 50) || '_rebuild'")
            .first?.value(0, as: String.self) else { return }
        _ = try? connection.transaction {
            guard try connection.tryLockForTransaction(advisoryKey: PostgreSQLSchema.logLock) else { return }
            try connection.execute("DROP SCHEMA \(PostgreSQLConnection.quotedIdentifier(scratch)) CASCADE")
        }
    }

    /// Drops the new tables of a rebuild that stopped, once its transaction has ended (it holds
    /// locks on them); the next rebuild drops them otherwise.
    func discard() {
        _ = try? connect().execute("DROP SCHEMA IF EXISTS \(PostgreSQLConnection.quotedIdentifier(scratch)) CASCADE")
    }
}
