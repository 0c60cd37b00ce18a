import Foundation
import Testing
@testable import Ledger

/// The database of the throwaway cluster `Scripts/postgres` starts for the tests, and a schema of
/// its own for each test, so that tests run in parallel without meeting.
enum PostgreSQLTestDatabase {
    static func url() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["LEDGER_TEST_POSTGRES_URL"],
            "LEDGER_TEST_POSTGRES_URL is not set: run the tests through Scripts/test, or Scripts/postgres run -- swift test, which start a throwaway PostgreSQL cluster for them.")
    }

    static func connect() throws -> PostgreSQLConnection { try PostgreSQLConnection(url: url()) }

    /// Runs `body` with a connection whose tables go in a new schema, dropped afterwards.
    static func withSchema<Value>(_ body: (PostgreSQLConnection) throws -> Value) throws -> Value {
        let connection = try connect()
        let schema = uniqueName("test")
        try connection.executeScript("CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        defer { _ = try? connection.execute("DROP SCHEMA \(schema) CASCADE") }
        return try body(connection)
    }

    struct TimedOut: Error, CustomStringConvertible {
        let description: String
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
    }

    /// Asks `condition` again until it holds: for what another connection does in its own time.
    static func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut(description: "Waited \(timeout) for \(what).") }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
