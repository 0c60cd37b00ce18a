import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Ledger

/// The libpq wrapper against a real PostgreSQL: the throwaway cluster of `Scripts/postgres`.
@Suite struct PostgreSQLConnectionTests {
    private struct Stop: Error {}

    @Test func parametersAndNullsRoundTrip() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE fields (id bigint PRIMARY KEY, name text, amount bigint, active boolean, payload bytea, ratio double precision)")
            let everyByte = Data((0...255).map { UInt8($0) })
            let names = ["Zoë Ångström", "水道メーター 💧", "O'Brien; DROP TABLE fields; --", "tab\tnewline\nback\\slash", ""]
            for (id, name) in names.enumerated() {
                try connection.execute(
                    "INSERT INTO fields VALUES ($1, $2, $3, $4, $5, $6)",
                    [.integer(Int64(id)), .text(name), .integer(id.isMultiple(of: 2) ? .min : .max), .boolean(id.isMultiple(of: 2)), .bytes(everyByte), .double(0.1 * Double(id))])
            }
            try connection.execute("INSERT INTO fields VALUES ($1, $2, $3, $4, $5, $6)", [99, nil, nil, nil, nil, nil])

            let rows = try connection.execute("SELECT * FROM fields ORDER BY id")
            #expect(rows.count == names.count + 1)
            for (id, name) in names.enumerated() {
                let row = rows[id]
                #expect(try row.value("id", as: Int64.self) == Int64(id))
                #expect(try row.value("name", as: String.self) == name)
                #expect(try row.value("amount", as: Int64.self) == (id.isMultiple(of: 2) ? .min : .max))
                #expect(try row.value("active", as: Bool.self) == id.isMultiple(of: 2))
                #expect(try row.value("payload", as: Data.self) == everyByte)
                #expect(try row.value("ratio", as: Double.self) == 0.1 * Double(id))
            }
            let nulls = rows[names.count]
            #expect(nulls["name"] == nil)
            #expect(try nulls.value("name", as: String?.self) == nil)
            #expect(try nulls.value("amount", as: Int64?.self) == nil)
            #expect(try nulls.value("payload", as: Data?.self) == nil)
            #expect(throws: PostgreSQLError.self) { try nulls.value("amount", as: Int64.self) }

            let null = try connection.execute("SELECT $1::text IS NULL, $2::bigint", [nil, 7])[0]
            #expect(try null.value(0, as: Bool.self))
            #expect(try null.value(1, as: Int64?.self) == 7)
        }
    }

    @Test func aTransactionRolledBackOnThrowLeavesNothing() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE entries (id bigint PRIMARY KEY)")
            #expect(throws: Stop.self) {
                try connection.transaction {
                    try connection.execute("INSERT INTO entries VALUES (1), (2)")
                    throw Stop()
                }
            }
            #expect(try connection.execute("SELECT count(*) FROM entries")[0].value(0, as: Int64.self) == 0)
            #expect(!connection.isInTransaction)

            // A failed statement whose error the body swallowed must not look committed.
            let swallowed = #expect(throws: PostgreSQLError.self) {
                try connection.transaction {
                    try connection.execute("INSERT INTO entries VALUES (3)")
                    _ = try? connection.execute("INSERT INTO entries VALUES (3)")
                }
            }
            #expect(swallowed?.message.contains("rolled back") == true)
            #expect(try connection.execute("SELECT count(*) FROM entries")[0].value(0, as: Int64.self) == 0)

            let kept = try connection.transaction {
                try connection.execute("INSERT INTO entries VALUES (4), (5)").affectedRowCount
            }
            #expect(kept == 2)
            #expect(try connection.execute("SELECT count(*) FROM entries")[0].value(0, as: Int64.self) == 2)
        }
    }

    @Test func aUniqueViolationIsRecognisedByItsSQLState() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE imports (file_sha256 text CONSTRAINT imports_once PRIMARY KEY)")
            try connection.execute("INSERT INTO imports VALUES ($1)", ["ab12"])
            let error = #expect(throws: PostgreSQLError.self) {
                try connection.execute("INSERT INTO imports VALUES ($1)", ["ab12"])
            }
            #expect(error?.sqlState == .uniqueViolation)
            #expect(error?.isUniqueViolation == true)
            #expect(error?.constraint == "imports_once")
            #expect(error?.detail?.contains("ab12") == true)
            #expect(error?.statement == "INSERT INTO imports VALUES ($1)")
            #expect(error?.isConnectionFailure == false)
            // The connection goes on after the error.
            #expect(try connection.execute("SELECT count(*) FROM imports")[0].value(0, as: Int64.self) == 1)
        }
    }

    @Test func copiedRowsReadBackIdentical() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE copied (id bigint, value text, payload bytea)")
            let values: [String?] = [
                "tab\there", "new\nline", "carriage\rreturn", "crlf\r\n", "back\\slash", "\\N", "\\.", "\\", "ends with \\",
                "\u{1F4A7} Zoë", "", " ", nil, "\t\n\r\\ all at once", "a,b;\"c\"'d'",
            ]
            let rows: [[PostgreSQLValue?]] = values.enumerated().map { id, value in
                [.integer(Int64(id)), value.map(PostgreSQLValue.text), value.map { .bytes(Data($0.utf8) + [0, 9, 10, 13, 92]) }]
            }
            let copied = try connection.copy(into: "copied", columns: ["id", "value", "payload"], rows: rows)
            #expect(copied == values.count)

            let read = try connection.execute("SELECT value, payload FROM copied ORDER BY id")
            #expect(try read.map { try $0.value("value", as: String?.self) } == values)
            #expect(try read.map { try $0.value("payload", as: Data?.self) } == values.map { $0.map { Data($0.utf8) + [0, 9, 10, 13, 92] } })
        }
    }

    /// Rows as the server sends them: all of them, in order, in binary form; a body that throws
    /// stops the query, and the connection takes the next statement.
    @Test func rowsReadAsSentArriveInOrderAndAThrowStopsTheQuery() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            var read: [Int64] = []
            try connection.forEachRowAsSent("SELECT n, 'row ' || n FROM generate_series(1, $1::int) AS n", [.integer(50_000)]) { row in
                #expect(row.text(1) == "row \(row.integer(0))")
                read.append(row.integer(0))
            }
            #expect(read == Array(1...50_000))

            var seen = 0
            #expect(throws: Stop.self) {
                try connection.forEachRowAsSent("SELECT generate_series(1, 100000000)") { _ in
                    seen += 1
                    if seen == 3 { throw Stop() }
                }
            }
            #expect(seen == 3)
            #expect(try connection.execute("SELECT 41 + 1")[0].value(0, as: Int64.self) == 42)
            let refused = #expect(throws: PostgreSQLError.self) { try connection.forEachRowAsSent("SELECT 1 / 0") { _ in } }
            #expect(refused?.sqlState == PostgreSQLError.SQLState("22012"))
        }
    }

    @Test func aCopyAbandonedByAThrowKeepsNothing() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE copied (id bigint)")
            #expect(throws: Stop.self) {
                try connection.copyIn("COPY copied (id) FROM STDIN") { writer in
                    for id in 0..<10_000 { try writer.writeRow([.integer(Int64(id))]) }
                    throw Stop()
                }
            }
            #expect(try connection.execute("SELECT count(*) FROM copied")[0].value(0, as: Int64.self) == 0)
            // A row the server refuses fails the copy with the server's error.
            let refused = #expect(throws: PostgreSQLError.self) {
                try connection.copy(into: "copied", columns: ["id"], rows: [[.text("not a number")]])
            }
            #expect(refused?.sqlState == PostgreSQLError.SQLState("22P02"))
            #expect(try connection.execute("SELECT count(*) FROM copied")[0].value(0, as: Int64.self) == 0)
        }
    }

    @Test func aLargeCopyIsFast() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE registers (id bigint, meter text, reading bigint, note text)")
            let count = 200_000
            let rows = (0..<count).lazy.map { id -> [PostgreSQLValue?] in
                [.integer(Int64(id)), .text("MTR-\(id)"), .integer(Int64(id) * 3), id.isMultiple(of: 10) ? nil : .text("line\t\(id)\nnext")]
            }
            let clock = ContinuousClock()
            var copied = 0
            let elapsed = try clock.measure {
                copied = try connection.copy(into: "registers", columns: ["id", "meter", "reading", "note"], rows: rows)
            }
            print("PostgreSQLConnectionTests: COPY of \(count) rows took \(elapsed)")
            #expect(copied == count)
            #expect(elapsed < .seconds(10), "COPY of \(count) rows took \(elapsed)")

            let totals = try connection.execute("SELECT count(*), sum(id), sum(reading), count(note), sum(length(meter)) FROM registers")[0]
            #expect(try totals.value(0, as: Int64.self) == Int64(count))
            #expect(try totals.value(1, as: Int64.self) == Int64(count) * Int64(count - 1) / 2)
            #expect(try totals.value(2, as: Int64.self) == 3 * Int64(count) * Int64(count - 1) / 2)
            #expect(try totals.value(3, as: Int64.self) == Int64(count - count / 10))
            #expect(try totals.value(4, as: Int64.self) == Int64((0..<count).reduce(0) { $0 + "MTR-\($1)".count }))
            let sample = try connection.execute("SELECT note FROM registers WHERE id = 123457")[0]
            #expect(try sample.value(0, as: String.self) == "line\t123457\nnext")
        }
    }

    @Test func anAdvisoryTransactionLockMakesTheSecondConnectionWaitForTheFirstsCommit() throws {
        try PostgreSQLTestDatabase.withSchema { first in
            let schema = try first.execute("SELECT current_schema()")[0].value(0, as: String.self)
            try first.execute("CREATE TABLE steps (connection text, at timestamptz DEFAULT clock_timestamp())")
            let key = Int64.random(in: 1...Int64(UInt32.max))
            let url = try PostgreSQLTestDatabase.url()
            let outcome = Outcome()
            let lock = try first.execute("SELECT \(PostgreSQLConnection.advisoryLock)", [.integer(key)])[0].value(0, as: Int64.self)

            try first.transaction {
                try first.lockForTransaction(advisoryKey: key)
                try first.execute("INSERT INTO steps (connection) VALUES ('first')")

                // The second connection, on a thread of its own: it must block on the lock.
                Thread.detachNewThread {
                    outcome.finish {
                        let second = try PostgreSQLConnection(url: url)
                        try second.execute("SET search_path TO \(schema)")
                        return try second.transaction {
                            try second.lockForTransaction(advisoryKey: key)
                            // Read Committed: this sees the first's row only if it has committed.
                            let seen = try second.execute("SELECT count(*) FROM steps WHERE connection = 'first'")[0].value(0, as: Int64.self)
                            try second.execute("INSERT INTO steps (connection) VALUES ('second')")
                            return seen
                        }
                    }
                }
                let observer = try PostgreSQLTestDatabase.connect()
                try PostgreSQLTestDatabase.waitUntil("the second connection to wait for the advisory lock") {
                    try observer.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1",
                        [.integer((lock >> 32) & 0xffff_ffff), .integer(lock & 0xffff_ffff)])[0].value(0, as: Int64.self) == 1
                }
                #expect(outcome.result == nil, "the second connection went on while the first held the lock")
            }

            #expect(outcome.wait(timeout: .seconds(20)))
            #expect(try outcome.result?.get() == 1, "the second connection saw the first's row once it held the lock")
            let order = try first.execute("SELECT connection FROM steps ORDER BY at").map { try $0.value(0, as: String.self) }
            #expect(order == ["first", "second"])
        }
    }

    @Test func aSessionAdvisoryLockIsHeldByOneConnectionAtATime() throws {
        let key = Int64.random(in: 1...Int64.max)
        let one = try PostgreSQLTestDatabase.connect(), other = try PostgreSQLTestDatabase.connect()
        #expect(try one.tryLockAdvisory(key: key))
        #expect(try !other.tryLockAdvisory(key: key))
        #expect(try one.unlockAdvisory(key: key))
        #expect(try other.tryLockAdvisory(key: key))
        #expect(try other.unlockAdvisory(key: key))
        #expect(throws: PostgreSQLError.self) { try one.lockForTransaction(advisoryKey: key) }
    }

    @Test func aBadURLGivesAClearErrorWithoutThePassword() throws {
        let refused = #expect(throws: PostgreSQLError.self) {
            try PostgreSQLConnection(url: "postgres://ledger:s3cret-Pa55@127.0.0.1:1/ledger_test")
        }
        #expect(refused?.kind == .connection)
        #expect(refused?.message.contains("postgres://ledger@127.0.0.1:1/ledger_test") == true)
        #expect(refused?.message.contains("refused") == true)
        #expect(refused.map { "\($0)" }?.contains("s3cret") == false)
        #expect(refused?.message.contains("\n") == false)

        let unreadable = #expect(throws: PostgreSQLError.self) {
            try PostgreSQLConnection(url: "postgres://ledger:s3cret-Pa55@127.0.0.1:port/ledger_test")
        }
        #expect(unreadable?.message.contains("127.0.0.1") == true)
        #expect(unreadable.map { "\($0)" }?.contains("s3cret") == false)

        var noSuchDatabase = try #require(URLComponents(string: PostgreSQLTestDatabase.url()))
        noSuchDatabase.path = "/no_such_database"
        noSuchDatabase.password = "s3cret-Pa55"
        let missing = #expect(throws: PostgreSQLError.self) {
            try PostgreSQLConnection(url: noSuchDatabase.string!)
        }
        #expect(missing?.message.contains("database \"no_such_database\" does not exist") == true)
        #expect(missing.map { "\($0)" }?.contains("s3cret") == false)
    }

    @Test func thePoolReusesItsConnectionsAndReplacesOneTheServerClosed() throws {
        let pool = try PostgreSQLPool(url: PostgreSQLTestDatabase.url(), maximumConnections: 2)
        let backend = { try pool.withConnection { try $0.execute("SELECT pg_backend_pid()")[0].value(0, as: Int64.self) } }
        let first = try backend()
        #expect(try backend() == first)
        #expect(pool.connectionsOpened == 1)

        let administrator = try PostgreSQLTestDatabase.connect()
        try administrator.execute("SELECT pg_terminate_backend($1::int)", [.integer(first)])
        try PostgreSQLTestDatabase.waitUntil("the terminated backend to exit") {
            try administrator.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", [.integer(first)])[0].value(0, as: Int64.self) == 0
        }
        let replacement = try backend()
        #expect(replacement != first)
        #expect(pool.connectionsOpened == 2)
        #expect(try backend() == replacement)

        // Many threads at once share the two connections; none opens a third.
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            do { _ = try pool.withConnection { try $0.execute("SELECT pg_sleep(0.01)") } } catch { failures.add(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        // The two opened so far, and at most one more for the second of two at once.
        #expect(pool.connectionsOpened <= 3)
    }

    @Test func aTableNameIsQuotedNeverRunAsSQL() throws {
        try PostgreSQLTestDatabase.withSchema { connection in
            try connection.execute("CREATE TABLE \"odd \"\"name\" (\"the value\" text)")
            try connection.copy(into: "odd \"name", columns: ["the value"], rows: [[.text("kept")]])
            #expect(try connection.execute("SELECT \"the value\" FROM \"odd \"\"name\"")[0].value(0, as: String.self) == "kept")
        }
    }
}

/// What the second connection's thread ended with, for the test's thread to read.
private final class Outcome: Sendable {
    private let value = Mutex<Result<Int64, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    var result: Result<Int64, any Error>? { value.withLock { $0 } }

    func finish(_ body: () throws -> Int64) {
        let result = Result(catching: body)
        value.withLock { $0 = result }
        done.signal()
    }

    func wait(timeout: Duration) -> Bool {
        done.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000))) == .success
    }
}
