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
