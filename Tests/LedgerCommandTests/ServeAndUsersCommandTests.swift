import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Ledger
import Testing
import TestSupport

/// `ledger users` and `ledger serve`, run as a person runs them.
@Suite struct ServeAndUsersCommandTests {
    @Test func usersAreAddedListedResetAndDisabled() throws {
        let folder = try TemporaryFolder("ledger-cli")
        defer { folder.remove() }
        let db = folder.appendingPathComponent("ledger.sqlite").path
        let added = try LedgerProcess.run(["users", "add", "ivy@utility.example", "--name", "Ivy Ng", "--role", "auditor", "--db", db, "--user", "root@host"])
        #expect(added.status == 0)
        #expect(added.output.contains("ivy@utility.example (auditor) can sign in with the password "))
        let again = try LedgerProcess.run(["users", "add", "IVY@utility.example", "--name", "Ivy", "--db", db])
        #expect(again.status == 1 && again.errors.contains("already has access"))
        let list = try LedgerProcess.run(["users", "list", "--json", "--db", db])
        let users = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        #expect(users.count == 1 && users[0]["role"] as? String == "auditor" && users[0]["passwordHash"] == nil)
        let reset = try LedgerProcess.run(["users", "reset-password", "ivy@utility.example", "--db", db])
        #expect(reset.status == 0 && reset.output.contains("now signs in with the password"))
        #expect(try LedgerProcess.run(["users", "disable", "ivy@utility.example", "--db", db]).status == 0)
        #expect(try LedgerProcess.run(["users", "list", "--db", db]).output.contains("disabled"))
        #expect(try LedgerProcess.run(["users", "disable", "nobody@utility.example", "--db", db]).status == 66)
        let audit = try LedgerProcess.run(["audit", "--json", "--db", db]).output
        #expect(audit.contains("UserCreated") && audit.contains("PasswordReset") && audit.contains("UserDisabled") && audit.contains("root@host"))
    }

    /// As a reset on the Users page does: whoever had the old password is signed out.
    @Test func aPasswordResetOnTheCommandLineEndsThePersonsSessions() throws {
        let folder = try TemporaryFolder("ledger-cli")
        defer { folder.remove() }
        let db = folder.appendingPathComponent("ledger.sqlite").path
        #expect(try LedgerProcess.run(["users", "add", "ivy@utility.example", "--name", "Ivy Ng", "--role", "importer", "--db", db]).status == 0)
        let ledger = try Ledger(path: db)
        let ivy = try #require(try ledger.user(email: "ivy@utility.example"))
        let session = try ledger.startSession(for: ivy.id, lasting: 3600)
        #expect(try LedgerProcess.run(["users", "reset-password", "ivy@utility.example", "--db", db]).status == 0)
        #expect(try ledger.session(session.token) == nil)
    }

    @Test func serveRefusesAConnectionLimitThatWouldRefuseEveryone() throws {
        let refused = try LedgerProcess.run(["serve", "--max-connections", "0", "--db", "/nonexistent/ledger.sqlite"])
        #expect(refused.status == 64 && refused.errors.contains("--max-connections 0"), "\(refused.errors)")
    }

    @Test func serveCreatesTheFirstAdministratorAnswersHealthAndStopsOnSIGTERM() async throws {
        let folder = try TemporaryFolder("ledger-cli")
        defer { folder.remove() }
        // A port someone else holds makes the server stop at once: then another port, another ledger.
        for attempt in 0..<5 {
            let port = 20_000 + Int.random(in: 0..<20_000)
            let process = Process()
            process.executableURL = LedgerProcess.executable
            process.arguments = ["serve", "--db", folder.appendingPathComponent("ledger-\(attempt).sqlite").path, "--port", String(port)]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            var text = ""
            for _ in 0..<100 where !text.contains("ledger serving") {
                text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            }
            var healthy = false
            for _ in 0..<50 where !healthy && process.isRunning {
                if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!) {
                    healthy = (response as? HTTPURLResponse)?.statusCode == 200
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            guard process.isRunning else { continue }
            #expect(text.contains("sign in at http://127.0.0.1:\(port)/ as admin@localhost with the password "))
            #expect(healthy)
            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            return
        }
        Issue.record("ledger serve found no free port in five tries")
    }
}
