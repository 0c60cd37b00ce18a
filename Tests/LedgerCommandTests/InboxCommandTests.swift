import Foundation
import Ledger
import Testing
import TestSupport

/// `ledger watch DIR` and `ledger serve --inbox DIR`, run as a host runs them.
@Suite struct InboxCommandTests {
    private let scratch: TemporaryFolder
    var db: String { scratch.appendingPathComponent("ledger.sqlite").path }
    var inbox: URL { scratch.appendingPathComponent("inbox") }

    init() throws {
        scratch = try TemporaryFolder("ledger-cli-inbox")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("inbox"), withIntermediateDirectories: true)
    }

    func addServiceUser() throws {
        let added = try LedgerProcess.run(["users", "add", "inbox@localhost", "--name", "Inbox", "--role", "importer", "--db", db])
        try #require(added.status == 0, "\(added.errors)")
    }

    /// A sample file written beside the inbox, then moved in whole, as a careful sender does.
    func drop(_ name: String, rows: Int = 50) throws {
        let staged = scratch.appendingPathComponent(name)
        try LedgerProcess.generate(["--rows", String(rows)], to: staged)
        try FileManager.default.moveItem(at: staged, to: inbox.appendingPathComponent(name))
    }

    /// Starts `ledger` with `arguments`, its output going to a file read as it grows.
    func start(_ arguments: [String]) throws -> (Process, URL) {
        let output = scratch.appendingPathComponent("output-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = LedgerProcess.executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: output)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    func waitUntil(_ timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: inbox.appendingPathComponent(path).path) }

    @Test func watchRefusesAServiceUserWhoCannotImportAndSaysHowToAddOne() throws {
        let refused = try LedgerProcess.run(["watch", inbox.path, "--db", db])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("ledger users add inbox@localhost"), "\(refused.errors)")
        let noFolder = try LedgerProcess.run(["watch", scratch.appendingPathComponent("missing").path, "--db", db])
        #expect(noFolder.status == 64 && noFolder.errors.contains("is not a folder"))
    }

    @Test func watchTakesEachFileOnceAndStopsOnSIGTERM() async throws {
        try addServiceUser()
        try drop("export.csv")
        let (process, output) = try start(["watch", inbox.path, "--db", db, "--settle", "0.2"])
        defer { if process.isRunning { process.terminate() } }
        func printed() -> String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        #expect(try await waitUntil { printed().contains("accepted  export.csv") })
        try drop("second.csv", rows: 20)
        #expect(try await waitUntil { printed().contains("accepted  second.csv") })
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(printed())")
        #expect(printed().contains("stopped watching"))
        #expect(exists("accepted/export.csv") && exists("accepted/export.exceptions.csv") && exists("accepted/second.csv"))
        let activity = try LedgerProcess.run(["activity", "--json", "--db", db]).output
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(activity.utf8)) as? [[String: Any]])
        #expect(entries.count == 2 && entries.allSatisfy { $0["via"] as? String == "inbox" && $0["dropped_by_email"] as? String == "inbox@localhost" })
    }

    @Test func serveWithAnInboxTakesItsFilesAndRefusesAMissingServiceUser() async throws {
        let refused = try LedgerProcess.run(["serve", "--db", db, "--port", "0", "--inbox", inbox.path])
        #expect(refused.status != 0 && (refused.errors + refused.output).contains("ledger users add inbox@localhost"))
        try addServiceUser()
        try drop("export.csv")
        // A port someone else holds makes the server stop at once: then another port.
        for _ in 0..<5 {
            let port = 20_000 + Int.random(in: 0..<20_000)
            let (process, output) = try start(["serve", "--db", db, "--port", String(port), "--inbox", inbox.path])
            defer { if process.isRunning { process.terminate() } }
            let taken = try await waitUntil { exists("accepted/export.csv") || !process.isRunning }
            guard process.isRunning else { continue }
            #expect(taken && exists("accepted/export.exceptions.csv"))
            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
            let ledger = try Ledger(path: db)
            let entry = try #require(try ledger.activity().first)
            #expect(entry.via == "inbox" && entry.fileName == "export.csv" && entry.droppedByEmail == "inbox@localhost")
            return
        }
        Issue.record("ledger serve found no free port in five tries")
    }
}
