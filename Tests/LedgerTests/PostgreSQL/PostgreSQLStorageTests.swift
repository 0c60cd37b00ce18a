import Foundation
@testable import Ledger
import Synchronization
import Testing
import TestSupport

/// What only PostgreSQL has to prove: several servers on one database (here, several storages,
/// each with its own connections) append in one total order, and the database itself keeps the
/// log append-only.
@Suite struct PostgreSQLStorageTests {
    private let databases: ContractDatabases
    init() throws { databases = try ContractDatabases() }

    static let metadata = EventMetadata(actor: Actor(name: "Ada", email: "ada@utility.example", via: .cli))

    static func event(_ stream: String, _ text: String) -> NewEvent {
        NewEvent(stream: stream, type: "Noted", schemaVersion: 1, data: Data("{\"text\":\"\(text)\"}".utf8), metadata: metadata)
    }

    @Test func appendsFromSeveralServersAtOnceMakeOneChainWithoutGaps() throws {
        let first = try databases.open(.postgreSQL)
        let url = try databases.url(of: first)
        let servers = [first, try PostgreSQLStorage(url: url), try PostgreSQLStorage(url: url)]
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { writer in
            for n in 0..<20 {
                do {
                    try servers[writer % servers.count].record([Self.event("writer-\(writer)", "\(n)")], expecting: [:], credential: nil)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let connection = try PostgreSQLConnection(url: url)
        let rows = try connection.execute("SELECT * FROM events ORDER BY position")
        #expect(rows.count == 120)
        var previous = HashChain.genesis
        for (index, row) in rows.enumerated() {
            let position: Int64 = try row.value("position")
            #expect(position == Int64(index + 1))
            let hash = HashChain.hash(
                previous: previous, position: position, stream: try row.value("stream"), version: try row.value("version"), id: try row.value("id"),
                type: try row.value("type"), schemaVersion: Int(try row.value("schema_version", as: Int64.self)), data: try row.value("data"),
                metadata: try row.value("metadata"), recordedAt: try row.value("recorded_at"))
            #expect(hash == (try row.value("hash", as: String.self)), "position \(position)")
            previous = hash
        }
        for writer in 0..<6 {
            #expect(try servers[0].events(in: "writer-\(writer)").map(\.version) == Array(1...20))
        }
    }

    /// Ledgers kept in schemas of their own in one database (a host's utilities) take locks of
    /// their own: an append to one never waits for the other's.
    @Test func aLedgerInAnotherSchemaOfTheDatabaseNeverWaitsForThisOnesLocks() throws {
        let one = try databases.open(.postgreSQL), other = try databases.open(.postgreSQL)
        let holder = try PostgreSQLConnection(url: try databases.url(of: one))
        try holder.transaction {
            try holder.lockForTransaction(advisoryKey: PostgreSQLSchema.logLock)
            let waiter = try PostgreSQLConnection(url: try databases.url(of: other))
            let free = try waiter.transaction { try waiter.tryLockForTransaction(advisoryKey: PostgreSQLSchema.logLock) }
            try #require(free, "the other schema's log lock is taken by this one's holder")
            try other.record([Self.event("a", "x")], expecting: [:], credential: nil)
            let sameSchema = try PostgreSQLConnection(url: try databases.url(of: one))
            #expect(try !sameSchema.transaction { try sameSchema.tryLockForTransaction(advisoryKey: PostgreSQLSchema.logLock) })
        }
        #expect(try other.events(in: "a").map(\.type) == ["Noted"])
    }

    @Test func theDatabaseRefusesToAlterOrEmptyTheLog() throws {
        let storage = try databases.open(.postgreSQL)
        try storage.record([Self.event("a", "x")], expecting: [:], credential: nil)
        let connection = try PostgreSQLConnection(url: try databases.url(of: storage))
        for statement in ["UPDATE events SET type = 'Forged'", "DELETE FROM events", "TRUNCATE events"] {
            let refusal = try #require(throws: PostgreSQLError.self, "\(statement)") { try connection.execute(statement) }
            #expect(refusal.message.contains("append-only"), "\(statement): \(refusal.message)")
        }
        #expect(try storage.events(in: "a").map(\.type) == ["Noted"])
    }

    @Test func serversStartedAtOnceOnAnEmptyDatabaseMakeOneSchema() throws {
        let first = try databases.open(.postgreSQL)
        let url = try databases.url(of: first)
        let connection = try PostgreSQLConnection(url: url)
        // The schema as a first server left it, then emptied as a new database would be.
        try connection.executeScript("""
            DO $$ DECLARE name text; BEGIN
                FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP EXECUTE 'DROP TABLE ' || quote_ident(name) || ' CASCADE'; END LOOP;
            END $$;
            DROP FUNCTION events_are_immutable
            """)
        let opened = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try PostgreSQLStorage(url: url) } catch { opened.withLock { $0.append("\(error)") } }
        }
        #expect(opened.withLock { $0 }.isEmpty)
        let applied = try connection.execute("SELECT name FROM ledger_migrations ORDER BY name").map { try $0.value(0, as: String.self) }
        #expect(applied == PostgreSQLSchema.migrations.map(\.name).sorted())
    }

    /// The servers' role, given what `ledger grant` gives, records and reads, and cannot alter the
    /// log even without its triggers: only SELECT and INSERT on it.
    @Test func theServersRoleMayReadAndAddToTheLogAndNothingMore() throws {
        let owner = try databases.open(.postgreSQL)
        try owner.record([Self.event("a", "x")], expecting: [:], credential: nil)
        let role = PostgreSQLTestDatabase.uniqueName("server")
        let admin = try PostgreSQLTestDatabase.connect()
        try admin.execute("CREATE ROLE \(role) LOGIN")
        defer { _ = try? admin.executeScript("DROP OWNED BY \(role); DROP ROLE \(role)") }
        try owner.grantServerAccess(to: role)
        var parts = try #require(URLComponents(string: try databases.url(of: owner)))
        parts.user = role
        let url = try #require(parts.string)
        let server = try PostgreSQLStorage(url: url)
        try server.record([Self.event("a", "y")], expecting: ["a": .exactly(1)], credential: nil)
        #expect(try server.events(in: "a").map(\.position) == [1, 2])
        let connection = try PostgreSQLConnection(url: url)
        for statement in ["DROP TRIGGER events_are_immutable_update ON events", "UPDATE events SET type = 'Forged'", "DELETE FROM events", "TRUNCATE events"] {
            let refusal = try #require(throws: PostgreSQLError.self, "\(statement)") { try connection.execute(statement) }
            #expect(refusal.message.contains("must be owner") || refusal.message.contains("permission denied"), "\(statement): \(refusal.message)")
        }
        #expect(try owner.events(in: "a").map(\.type) == ["Noted", "Noted"])
    }
}

extension PostgreSQLStorageTests {
    /// The owner's replay builds new projection tables beside the live ones and switches them in
    /// (docs/decisions/0027): they keep the live ones' index names and the servers' rights. The
    /// servers' role, which may not create tables, rebuilds in place, to the same rows.
    /// The tables a replay was building when its process died are dropped by the next process
    /// that opens the ledger, unless a replay runs then.
    @Test func tablesLeftByADeadReplayAreDroppedAtTheNextOpen() throws {
        let owner = try databases.open(.postgreSQL)
        let url = try databases.url(of: owner)
        let connection = try PostgreSQLConnection(url: url)
        let scratch = try connection.execute("SELECT left(current_schema(), 50) || '_rebuild'")[0].value(0, as: String.self)
        func left() throws -> Int64 { try connection.execute("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [.text(scratch)])[0].value(0, as: Int64.self) }
        try connection.executeScript("CREATE SCHEMA \"\(scratch)\"; CREATE TABLE \"\(scratch)\".state (LIKE state INCLUDING ALL)")
        // A replay under way holds the log's lock: its tables are not touched.
        let replaying = try PostgreSQLConnection(url: url)
        try replaying.transaction {
            try replaying.lockForTransaction(advisoryKey: PostgreSQLSchema.logLock)
            _ = try PostgreSQLStorage(url: url)
            #expect(try left() == 1)
        }
        _ = try PostgreSQLStorage(url: url)
        #expect(try left() == 0)
    }

    @Test func aReplayKeepsTheProjectionsIndexesAndTheServersRights() throws {
        let folder = try TemporaryFolder("ledger-replay-beside")
        let owner = try databases.open(.postgreSQL)
        let url = try databases.url(of: owner)
        let ledger = try Ledger(location: LedgerLocation(option: url, environment: [:]), localFolder: folder.appendingPathComponent("owner").path)
        _ = try ledger.createUser(name: "Ivy", email: "ivy@utility.example", role: .importer, passwordHash: "$2b$04$hash", actor: Self.metadata.actor)
        let connection = try PostgreSQLConnection(url: url)
        func indexes() throws -> [String] {
            try connection.execute("SELECT tablename || ' ' || indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")
                .map { try $0.value(0, as: String.self) }
        }
        let role = PostgreSQLTestDatabase.uniqueName("server")
        let admin = try PostgreSQLTestDatabase.connect()
        try admin.execute("CREATE ROLE \(role) LOGIN")
        defer { _ = try? admin.executeScript("DROP OWNED BY \(role); DROP ROLE \(role)") }
        try owner.grantServerAccess(to: role)
        func tableID() throws -> Int64 { try connection.execute("SELECT 'users'::regclass::oid::bigint")[0].value(0, as: Int64.self) }
        let (before, kept, live) = (try indexes(), try ledger.projectionDump(), try tableID())
        #expect(before.contains("activity activity_newest_first") && before.contains("users users_by_email"))

        try ledger.replay()
        let rebuilt = try tableID()
        #expect(rebuilt != live, "the owner's replay writes new tables")
        #expect(try indexes() == before && ledger.projectionDump() == kept)
        #expect(try connection.execute("SELECT count(*) FROM pg_namespace WHERE nspname = left(current_schema(), 50) || '_rebuild'")[0].value(0, as: Int64.self) == 0)
        var parts = try #require(URLComponents(string: url))
        parts.user = role
        let server = try Ledger(location: LedgerLocation(option: try #require(parts.string), environment: [:]), localFolder: folder.appendingPathComponent("server").path)
        _ = try server.createUser(name: "Max", email: "max@utility.example", role: .auditor, passwordHash: "$2b$04$hash", actor: Self.metadata.actor)
        let withMax = try ledger.projectionDump()
        #expect(withMax.filter { $0.hasPrefix("users ") }.count == 2)
        try server.replay()
        #expect(try server.projectionDump() == withMax && indexes() == before && tableID() == rebuilt)
    }
}
