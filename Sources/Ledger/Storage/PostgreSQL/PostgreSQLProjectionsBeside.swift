import Foundation

/// Projection tables built beside the live ones, in a schema of their own, and switched in at the
/// end of the rebuild's transaction (docs/decisions/0027). Readers keep the live tables until the
/// commit, and the new ones are written fresh: emptying the live tables with DELETE left their
/// indexes full of dead entries, which made a rebuild's copy three times slower. PostgreSQL's
/// DDL is transactional, so a rebuild that stops in the middle leaves nothing behind.
struct PostgreSQLProjectionsBeside {
    private let connection: PostgreSQLConnection
    private let live: String
    private let scratch: String
    private let searchPath: String

    /// Creates the empty tables beside the live ones and makes the transaction's unqualified
    /// names find them first; nil when this role may not (it does not own the tables or may not
    /// create a schema), and the live tables are then emptied and written in place.
    init?(on connection: PostgreSQLConnection) throws {
        let allowed = try connection.execute("""
            SELECT has_database_privilege(current_database(), 'CREATE') AND bool_and(pg_has_role(relowner, 'USAGE')), current_schema(),
                current_setting('search_path')
            FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relkind = 'r' AND relname = ANY($1::text[])
            """, [.text(PostgreSQLStorage.array(projectionTables))])[0]
        guard try allowed.value(0, as: Bool?.self) == true, let schema = try allowed.value(1, as: String?.self) else { return nil }
        self.connection = connection
        live = schema
        scratch = "\(schema.prefix(50))_rebuild"
        searchPath = try allowed.value(2, as: String.self)
        let (liveSchema, scratchSchema) = (PostgreSQLConnection.quotedIdentifier(live), PostgreSQLConnection.quotedIdentifier(scratch))
        try connection.executeScript("DROP SCHEMA IF EXISTS \(scratchSchema) CASCADE; CREATE SCHEMA \(scratchSchema)")
        for table in projectionTables {
            try connection.execute("CREATE TABLE \(scratchSchema).\(table) (LIKE \(liveSchema).\(table) INCLUDING ALL)")
            try nameIndexes(of: table)
        }
        try connection.execute("SELECT set_config('search_path', $1, true)", [.text("\(scratchSchema), \(liveSchema)")])
    }

    /// Gives the new table's indexes the names of the live one's (LIKE makes up its own), so
    /// that they keep them once switched in.
    private func nameIndexes(of table: String) throws {
        func indexes(in schema: String) throws -> [(name: String, definition: String)] {
            try connection.execute("""
                SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass
                """, [.text(schema), .text(table)]).map { row in
                // The same index on either table: unique or not, and all from its method on.
                let definition = try row.value(1, as: String.self)
                let shape = definition.hasPrefix("CREATE UNIQUE") ? "unique " : ""
                return (try row.value(0, as: String.self), shape + (definition.range(of: " USING ").map { String(definition[$0.lowerBound...]) } ?? definition))
            }
        }
        let liveNames = Dictionary(try indexes(in: live).map { ($0.definition, $0.name) }, uniquingKeysWith: { first, _ in first })
        for index in try indexes(in: scratch) {
            guard let name = liveNames[index.definition], name != index.name else { continue }
            try connection.execute(
                "ALTER INDEX \(PostgreSQLConnection.quotedIdentifier(scratch)).\(PostgreSQLConnection.quotedIdentifier(index.name)) RENAME TO \(PostgreSQLConnection.quotedIdentifier(name))")
        }
    }

    /// Puts the new tables in the live ones' place, with their grants, and the search path back:
    /// the moment readers wait for is this one, at the end of the rebuild.
    func switchIn() throws {
        let (liveSchema, scratchSchema) = (PostgreSQLConnection.quotedIdentifier(live), PostgreSQLConnection.quotedIdentifier(scratch))
        for table in projectionTables {
            try connection.execute("ANALYZE \(scratchSchema).\(table)")
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
}
