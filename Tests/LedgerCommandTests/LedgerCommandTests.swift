import Foundation
import Testing
import TestSupport

/// The ledger commands, run as processes on a real ledger file.
@Suite struct LedgerCommandTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }
    let db: String

    init() throws {
        scratch = try TemporaryFolder("ledger-cli")
        db = scratch.appendingPathComponent("ledger.sqlite").path
    }

    static let file = ScanCommandTests.header + "\nA1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15\nA2,L2,001,W,M2,Neptune,T-10,5/8,IN,N,GAL,1,2020-01-15\n"

    func importFile() throws -> (id: String, path: String) {
        let path = folder.appendingPathComponent("export.csv").path
        try Self.file.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try LedgerProcess.run(["import", path, "--db", db, "--user", "ada@utility.example", "--json"])
        #expect(result.status == 0, "\(result.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 2 && object["ready"] as? Int == 2 && object["errors"] as? Int == 1 && object["warnings"] as? Int == 0)
        return (try #require(object["id"] as? String), path)
    }

    @Test func importListDownloadAndReport() throws {
        let (id, path) = try importFile()
        let activity = try LedgerProcess.run(["activity", "--db", db])
        #expect(activity.output.contains(String(id.prefix(8))) && activity.output.contains("scanned") && activity.output.contains("ada <ada@utility.example>"))
        let json = try LedgerProcess.run(["activity", "--db", db, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(entries.first?["id"] as? String == id)
        let copy = folder.appendingPathComponent("copy.csv").path
        #expect(try LedgerProcess.run(["download", String(id.prefix(8)), "-o", copy, "--db", db]).status == 0)
        #expect(FileManager.default.contents(atPath: copy) == FileManager.default.contents(atPath: path))
        let nowhere = folder.appendingPathComponent("nowhere").appendingPathComponent("copy.csv").path
        let refused = try LedgerProcess.run(["download", id, "-o", nowhere, "--db", db])
        #expect(refused.status != 0 && refused.errors.contains("there is no folder \(folder.appendingPathComponent("nowhere").path)"), "\(refused.errors)")
        let report = try LedgerProcess.run(["exceptions", id, "--db", db])
        #expect(report.output.contains("invalid-decimal"))
        // Uploaded, scanned, and its changes previewed.
        #expect(try LedgerProcess.run(["verify", "--db", db]).output.contains("3 events"))
    }

    @Test func cancelOnceAndOnlyOnce() throws {
        let (id, _) = try importFile()
        #expect(try LedgerProcess.run(["cancel", id, "--reason", "wrong file", "--db", db]).status == 0)
        let again = try LedgerProcess.run(["cancel", id, "--db", db])
        #expect(again.status != 0)
        #expect(again.errors.contains("already cancelled"))
        #expect(try LedgerProcess.run(["cancel", "00000000", "--db", db]).status == 66)
    }

    @Test func theDatabaseComesFromTheEnvironmentToo() throws {
        let path = folder.appendingPathComponent("e.csv").path
        try Self.file.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try LedgerProcess.run(["import", path], environment: ["LEDGER_DB": db]).status == 0)
        #expect(FileManager.default.fileExists(atPath: db))
    }

    @Test func verifyFailsWhenTheFileWasAlteredBehindItsBack() throws {
        _ = try importFile()
        let sqlite = try LedgerProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["sqlite3", db, "DROP TRIGGER events_are_immutable_update; UPDATE events SET type = 'Forged' WHERE position = 2;"])
        #expect(sqlite.status == 0)
        let verify = try LedgerProcess.run(["verify", "--db", db])
        #expect(verify.status == 3)
        #expect(verify.errors.contains("position 2"))
    }
}

extension LedgerCommandTests {
    @Test func approveAppliesOnceAndTheSameFileAgainImportsNothing() throws {
        let (id, path) = try importFile()
        let approved = try LedgerProcess.run(["approve", id, "--db", db, "--json"])
        #expect(approved.status == 0, "\(approved.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(approved.output.utf8)) as? [String: Any])
        #expect(object["id"] as? String == id && object["imported"] as? Int == 2 && object["unchanged"] as? Int == 0 && object["skipped"] as? Int == 0)
        let twice = try LedgerProcess.run(["approve", id, "--db", db])
        // Named as every other line names it: in lower case.
        #expect(twice.status != 0 && twice.errors.contains("Import \(id) is already approved"))
        let folderImport = try LedgerProcess.run(["import", folder.path, "--db", db])
        #expect(folderImport.status == 64 && folderImport.errors.contains("\(folder.path) is a folder"), "\(folderImport.errors)")
        let again = try LedgerProcess.run(["import", path, "--db", db, "--json"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [String: Any])
        #expect(second["sameFileAs"] as? String == id)
        let noChange = try LedgerProcess.run(["approve", try #require(second["id"] as? String), "--db", db, "--json"])
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(noChange.output.utf8)) as? [String: Any])
        #expect(outcome["imported"] as? Int == 0 && outcome["unchanged"] as? Int == 2)
        #expect(try LedgerProcess.run(["activity", "--db", db]).output.contains("imported"))
        #expect(try LedgerProcess.run(["verify", "--db", db]).status == 0)
    }
}

extension LedgerCommandTests {
    @Test func changesAndScanChangesListWhatAnApprovalWouldChange() throws {
        let (first, path) = try importFile()
        #expect(try LedgerProcess.run(["approve", first, "--db", db]).status == 0)
        try Self.file.replacingOccurrences(of: "0.625", with: "1").write(toFile: path, atomically: true, encoding: .utf8)
        let imported = try LedgerProcess.run(["import", path, "--db", db, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? String)
        #expect(object["changesSentence"] as? String == "1 field update, 1 unchanged, 1 blocked component")
        #expect((object["changes"] as? [String: Any])?["updatedColumns"] as? [String: Int] == ["Meter_Size": 1])

        // (Read back as text, the byte-order mark that makes spreadsheets read UTF-8 is dropped.)
        let header = "group,kind,entity,previous_entity,record,line,created,column,old,new\r\n"
        let csv = try LedgerProcess.run(["changes", id, "--db", db])
        #expect(csv.status == 0 && csv.output == header + "fields-updated,Register,M1,,1,2,false,Meter_Size,0.625,1\r\n", "\(csv.output)")
        #expect(try LedgerProcess.run(["changes", id, "--group", "meter-installed", "--db", db]).output == header)
        #expect(try LedgerProcess.run(["changes", id, "--column", "Meter_Size", "--db", db]).output == csv.output)
        let refused = try LedgerProcess.run(["changes", id, "--group", "meters", "--db", db])
        #expect(refused.status == 64 && refused.errors.contains("meter-installed"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try LedgerProcess.run(["changes", id, "--json", "--db", db]).output.utf8)) as? [String: Any])
        let lines = try #require(json["changes"] as? [[String: Any]])
        #expect(json["sentence"] as? String == "1 field update, 1 unchanged, 1 blocked component" && lines.count == 1)
        #expect(lines.first?["entity"] as? String == "M1" && (lines.first?["fields"] as? [[String: String]]) == [["column": "Meter_Size", "old": "0.625", "new": "1"]])

        // `ledger scan --changes` works the same out without recording anything: against the
        // ledger at --db, or an empty one.
        let written = folder.appendingPathComponent("changes.csv").path
        let scanned = try LedgerProcess.run(["scan", path, "--changes", written, "--db", db])
        #expect(scanned.status == 1 && scanned.output.contains("Approving it would change: 1 field update, 1 unchanged, 1 blocked component"), "\(scanned.output)")
        #expect(try String(contentsOfFile: written, encoding: .utf8) == csv.output)
        #expect(try Data(contentsOf: URL(fileURLWithPath: written)).starts(with: [0xEF, 0xBB, 0xBF]))
        let fresh = folder.appendingPathComponent("none.sqlite").path
        #expect(try LedgerProcess.run(["scan", path, "--changes", written, "--db", fresh]).output.contains("2 new services, 1 meter install"))
        #expect(try String(contentsOfFile: written, encoding: .utf8).contains("meter-installed,Register,M1,,1,2,true,Meter_Size,,1\r\n"))
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try LedgerProcess.run(["verify", "--db", db]).status == 0)
    }

    @Test func revertTakesAnImportBackOrListsWhatStopsIt() throws {
        let (first, path) = try importFile()
        #expect(try LedgerProcess.run(["approve", first, "--db", db]).status == 0)
        try Self.file.replacingOccurrences(of: "0.625", with: "1").write(toFile: path, atomically: true, encoding: .utf8)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(try LedgerProcess.run(["import", path, "--db", db, "--json"]).output.utf8)) as? [String: Any])["id"] as? String
        let secondID = try #require(second)
        #expect(try LedgerProcess.run(["approve", secondID, "--db", db]).status == 0)

        #expect(try LedgerProcess.run(["revert", first, "--db", db]).status == 64, "the reason is required")
        let refused = try LedgerProcess.run(["revert", first, "--reason", "wrong cycle", "--db", db])
        #expect(refused.status == 4)
        #expect(refused.output == "Register M1: Meter_Size is \"1\" now; the import set \"0.625\".\n")
        #expect(refused.errors.contains("Revert the later imports first"))

        let reverted = try LedgerProcess.run(["revert", secondID, "--reason", "wrong cycle", "--db", db, "--user", "bob@utility.example", "--json"])
        #expect(reverted.status == 0, "\(reverted.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reverted.output.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "reverted" && object["records"] as? Int == 1)
        let history = try LedgerProcess.run(["history", "register", "M1", "--db", db]).output
        #expect(history.contains("bob@utility.example") && history.contains("Register M1 changed (revert of the import: wrong cycle)"), "\(history)")
        #expect(try LedgerProcess.run(["revert", first, "--reason", "wrong cycle", "--db", db]).status == 0)
        let activity = try LedgerProcess.run(["activity", "--db", db]).output
        #expect(activity.contains("reverted"))
        #expect(try LedgerProcess.run(["verify", "--db", db]).status == 0)
    }
}

/// Approvals that race, and approvals that die: the ledger keeps all of an import or none of it.
@Suite(.serialized) struct ApprovalAtomicityTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }
    let db: String

    init() throws {
        scratch = try TemporaryFolder("ledger-cli")
        db = scratch.appendingPathComponent("ledger.sqlite").path
    }

    func scannedImport(rows: Int) throws -> String {
        let file = folder.appendingPathComponent("export.csv")
        try LedgerProcess.generate(["--rows", "\(rows)", "--seed", "5"], to: file)
        let result = try LedgerProcess.run(["import", file.path, "--db", db, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        return try #require(object["id"] as? String)
    }

    func status(of id: String) throws -> [String: Any] {
        let json = try LedgerProcess.run(["activity", "--db", db, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        return try #require(entries.first { $0["id"] as? String == id })
    }

    @Test func ofTwoApprovalsAtOnceExactlyOneWins() throws {
        let id = try scannedImport(rows: 3_000)
        let processes = (0..<2).map { _ in
            let process = Process()
            process.executableURL = LedgerProcess.executable
            process.arguments = ["approve", id, "--db", db, "--json"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            return (process, errors)
        }
        for (process, _) in processes { try process.run() }
        let results = processes.map { process, errors in
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        #expect(results.filter { $0.0 == 0 }.count == 1, "\(results)")
        let loser = try #require(results.first { $0.0 != 0 })
        #expect(loser.1.contains("already approved") || loser.1.contains("changed since it was read") || loser.1.contains("at the same time"))
        #expect(try status(of: id)["status"] as? String == "imported")
        #expect(try LedgerProcess.run(["verify", "--db", db]).status == 0)
    }

    /// Runs `ledger ARGUMENTS` on a terminal and kills it (SIGKILL) once its `label` progress
    /// bar shows between 1 and 90 % of the file: inside its work, proven, not guessed by a
    /// sleep. Returns the share it was killed at; fails if the bar never showed one.
    func killInside(_ label: String, _ arguments: [String]) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = "echo worker $$; exec \(LedgerProcess.executable.path) \(arguments.joined(separator: " "))"
        process.arguments = ["-qec", "sh -c '\(command)'", "/dev/null"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = "", worker: Int32?, killedAt: Int?
        let deadline = Date().addingTimeInterval(120)
        while killedAt == nil, process.isRunning, Date() < deadline {
            seen += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            if worker == nil, let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("worker ") }) {
                worker = Int32(line.dropFirst("worker ".count).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let percents = seen.split(separator: "\r").compactMap { piece -> Int? in
                guard piece.hasPrefix(label), let last = piece.split(separator: " ").last, last.hasSuffix("%") else { return nil }
                return Int(last.dropLast())
            }
            if let worker, let percent = percents.last, (1...90).contains(percent) {
                kill(worker, SIGKILL)
                killedAt = percent
            }
        }
        process.waitUntilExit()
        return try #require(killedAt, "\(label) never showed its progress inside the file: \(seen)")
    }

    @Test func aKilledScanEndsAsAFailedImportAndLosesNothing() throws {
        let file = folder.appendingPathComponent("big.csv")
        try LedgerProcess.generate(["--rows", "40000", "--seed", "9"], to: file)
        // Killed in the middle of its scan, which its progress bar proves: the upload is recorded.
        let inside = try killInside("scanning", ["import", file.path, "--db", db])
        #expect(inside < 100)
        let json = try LedgerProcess.run(["activity", "--db", db, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(entries.count == 1 && entries.first?["status"] as? String == "uploaded")
        let uploaded = entries.first?["id"] as? String
        let id = try #require(uploaded)
        #expect(try LedgerProcess.run(["verify", "--db", db]).status == 0)
        // The next import finds the scan interrupted and says so; the original is kept whole.
        _ = try scannedImport(rows: 10)
        #expect(try status(of: id)["status"] as? String == "failed")
        #expect((try status(of: id)["reason"] as? String)?.contains("interrupted") == true)
        let copy = folder.appendingPathComponent("copy.csv")
        #expect(try LedgerProcess.run(["download", id, "-o", copy.path, "--db", db]).status == 0)
        #expect(try Data(contentsOf: copy) == Data(contentsOf: file))
        #expect(try LedgerProcess.run(["approve", id, "--db", db]).status != 0)
    }

    /// Killed at a moment proven to be inside the approval (its progress bar, on a terminal, at
    /// a share of the file below the end: its transaction is open): not one event of it is
    /// kept, and it can be approved again.
    @Test func aKilledApprovalLeavesAllOrNothing() throws {
        let id = try scannedImport(rows: 12_000)
        let before = try LedgerProcess.run(["verify", "--db", db, "--json"]).output
        let inside = try killInside("approving", ["approve", id, "--db", db])
        #expect(inside < 100)
        #expect(try status(of: id)["status"] as? String == "scanned")
        let after = try LedgerProcess.run(["verify", "--db", db, "--json"])
        #expect(after.status == 0, "\(after.errors)")
        #expect(after.output == before)
        let retry = try LedgerProcess.run(["approve", id, "--db", db, "--json"])
        #expect(retry.status == 0, "\(retry.errors)")
        #expect(try status(of: id)["status"] as? String == "imported")
        #expect(try status(of: id)["imported"] as? Int == 12_000)
        // The audit trail says that an approval was interrupted, before the one that went through.
        let audit = try LedgerProcess.run(["audit", "--json", "--db", db]).output
        let actions = try #require(try JSONSerialization.jsonObject(with: Data(audit.utf8)) as? [[String: Any]]).compactMap { $0["action"] as? String }
        #expect(actions.filter { $0 == "ApprovalInterrupted" }.count == 1)
        #expect(actions.firstIndex(of: "ApprovalInterrupted").map { $0 < (actions.firstIndex(of: "ImportApproved") ?? -1) } == true)
    }
}

extension LedgerCommandTests {
    @Test func historyShowsAChangeWithItsImportAndRecord() throws {
        let (id, _) = try importFile()
        #expect(try LedgerProcess.run(["approve", id, "--db", db]).status == 0)
        let history = try LedgerProcess.run(["history", "register", "M1", "--db", db])
        #expect(history.status == 0, "\(history.errors)")
        #expect(history.output.contains("Register M1 created") && history.output.contains("record 1 line 2") && history.output.contains("Meter_Size: — → 0.625"))
        let json = try LedgerProcess.run(["history", "account", "A2", "--db", db, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let entries = try #require(report["changes"] as? [[String: Any]])
        #expect(entries.map { $0["entity"] as? String } == ["Account", "ServiceAgreement"] && entries.allSatisfy { $0["record"] as? Int == 2 })
        #expect(try LedgerProcess.run(["history", "meter", "M1", "--as-of", "1", "--db", db]).output.contains("No changes"))
        #expect(try LedgerProcess.run(["history", "meter", "M1", "--as-of", "yesterday", "--db", db]).status == 64)
    }
}

extension LedgerCommandTests {
    @Test func auditReplayAndBackupFromTheCommandLine() throws {
        let (id, _) = try importFile()
        #expect(try LedgerProcess.run(["approve", id, "--db", db, "--user", "bob@utility.example"]).status == 0)
        let audit = try LedgerProcess.run(["audit", "--user", "bob@utility.example", "--db", db])
        #expect(audit.output.contains("ImportApproved") && !audit.output.contains("FileUploaded"))
        #expect(try LedgerProcess.run(["audit", "--import", id, "--since", "2020-01-01", "--db", db, "--json"]).status == 0)
        let meter = try LedgerProcess.run(["audit", "--entity", "meter:M1", "--db", db])
        #expect(meter.output.contains("RecordApplied") && !meter.output.contains("ImportApproved"))
        #expect(try LedgerProcess.run(["audit", "--entity", "pump:P1", "--db", db]).status == 64)
        let replay = try LedgerProcess.run(["replay", "--db", db, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(replay.output.utf8)) as? [String: Any])
        // Uploaded, scanned, its changes previewed, approved, two records applied, completed.
        #expect(object["events"] as? Double == 7)
        let copy = folder.appendingPathComponent("copy.sqlite").path
        let backup = try LedgerProcess.run(["backup", "-o", copy, "--db", db])
        #expect(backup.status == 0 && backup.output.contains("7 events"))
        #expect(try LedgerProcess.run(["verify", "--db", copy]).status == 0)
        #expect(try LedgerProcess.run(["download", id, "-o", folder.appendingPathComponent("back.csv").path, "--db", copy]).status == 0)
    }
}

extension LedgerCommandTests {
    @Test func aGeneratedExportRoundTripsThroughExportWithoutAChange() throws {
        let file = folder.appendingPathComponent("generated.csv")
        try LedgerProcess.generate(["--rows", "1500", "--seed", "3", "--quirks"], to: file)
        func importAndApprove(_ path: String) throws -> [String: Any] {
            let imported = try LedgerProcess.run(["import", path, "--db", db, "--json"])
            let id = try #require((try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])?["id"] as? String)
            let approved = try LedgerProcess.run(["approve", id, "--db", db, "--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(approved.output.utf8)) as? [String: Any])
        }
        let first = try importAndApprove(file.path)
        #expect(first["imported"] as? Int == 1_500)
        let exported = folder.appendingPathComponent("exported.csv").path
        #expect(try LedgerProcess.run(["export", "-o", exported, "--db", db]).status == 0)
        let again = try importAndApprove(exported)
        #expect(again["imported"] as? Int == 0 && again["unchanged"] as? Int == 1_500)
        // The counts, read without the entities, are those of the whole state.
        let counts = try LedgerProcess.run(["state", "--db", db]).output.split(separator: "\n").map { $0.split(separator: " ") }
        let whole = try #require(
            try JSONSerialization.jsonObject(with: Data(LedgerProcess.run(["state", "--json", "--db", db]).output.utf8)) as? [String: [String: Any]])
        #expect(counts.count == 8 && counts.allSatisfy { $0.count == 2 })
        for line in counts { #expect(Int(line[1]) == whole[String(line[0])]?.count ?? 0, "\(line[0])") }
        #expect(whole["Register"]?.count == 1_500)
    }
}

extension LedgerCommandTests {
    @Test func scanComparesWithTheLedgerAtDbWhenThereIsOne() throws {
        let (id, _) = try importFile()
        #expect(try LedgerProcess.run(["approve", id, "--db", db]).status == 0)
        let moved = folder.appendingPathComponent("moved.csv").path
        try (ScanCommandTests.header + "\nA1,L9,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15\n").write(toFile: moved, atomically: true, encoding: .utf8)
        let withLedger = try LedgerProcess.run(["scan", moved, "--db", db, "--json"])
        #expect(withLedger.output.contains("meter-moved"))
        let nowhere = folder.appendingPathComponent("none.sqlite").path
        let withoutLedger = try LedgerProcess.run(["scan", moved, "--db", nowhere, "--json"])
        #expect(!withoutLedger.output.contains("meter-moved"))
        #expect(!FileManager.default.fileExists(atPath: nowhere))
    }
}

extension LedgerCommandTests {
    func json(_ arguments: [String]) throws -> Any {
        let result = try LedgerProcess.run(arguments + ["--db", db])
        #expect(result.status == 0, "\(arguments): \(result.errors)")
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8))
    }

    @Test func theExceptionsReportAsJSONHasEveryLineOfTheStoredOneWithTheValuesAsFound() throws {
        // A value a spreadsheet would run as a formula is stored behind an apostrophe; JSON gives it as it was.
        let path = folder.appendingPathComponent("formula.csv").path
        try (ScanCommandTests.header + "\nA1,L1,001,W,M1,Neptune,T-10,=1+2,IN,N,GAL,1,2020-01-15\nA2,L2,001,W,M2,Neptune,T-10,5/8,IN,N,GAL,1,3/7/2024\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let imported = try #require(try json(["import", path, "--json"]) as? [String: Any])
        let id = try #require(imported["id"] as? String)
        let csv = try LedgerProcess.run(["exceptions", id, "--format", "csv", "--db", db]).output
        #expect(csv.contains("'=1+2"))
        for arguments in [["--format", "json"], ["--json"]] {
            let report = try #require(try json(["exceptions", id] + arguments) as? [String: Any])
            let lines = try #require(report["exceptions"] as? [[String: Any]])
            #expect(report["id"] as? String == id)
            #expect(report["errors"] as? Int == imported["errors"] as? Int && report["warnings"] as? Int == imported["warnings"] as? Int)
            #expect(lines.count == csv.split(separator: "\r\n").count - 1)
            #expect(lines.filter { $0["severity"] as? String == "error" }.count == imported["errors"] as? Int)
            let formula = try #require(lines.first { $0["record"] as? Int == 1 && $0["column"] as? String == "Meter_Size" })
            #expect(formula["value"] as? String == "=1+2" && formula["line"] as? Int == 2 && (formula["message"] as? String)?.isEmpty == false)
        }
        let written = folder.appendingPathComponent("report.json").path
        #expect(try LedgerProcess.run(["exceptions", id, "--format", "json", "-o", written, "--db", db]).status == 0)
        #expect(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: written))) is [String: Any])
        #expect(try LedgerProcess.run(["exceptions", id, "--format", "xml", "--db", db]).status == 64)
    }

    @Test func downloadAndExportSayWhatTheyWroteAsJSONAndExportGoesBackInTime() throws {
        let (id, path) = try importFile()
        let copy = folder.appendingPathComponent("copy.csv").path
        let download = try #require(try json(["download", id, "-o", copy, "--json"]) as? [String: Any])
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(download["id"] as? String == id && download["file"] as? String == copy && download["bytes"] as? Int == original.count)
        #expect((download["sha256"] as? String)?.count == 64)
        _ = try json(["approve", id, "--json"])
        let now = folder.appendingPathComponent("now.csv").path
        let before = folder.appendingPathComponent("before.csv").path
        let exported = try #require(try json(["export", "-o", now, "--json"]) as? [String: Any])
        let written = try Data(contentsOf: URL(fileURLWithPath: now))
        let lines = String(decoding: written, as: UTF8.self).split(separator: "\r\n")
        #expect(lines.count > 1 && exported["records"] as? Int == lines.count - 1 && exported["bytes"] as? Int == written.count)
        // As of the scan, before the approval: nothing was imported yet.
        let earlier = try #require(try json(["export", "-o", before, "--as-of", "2", "--json"]) as? [String: Any])
        #expect(earlier["records"] as? Int == 0)
        #expect(try String(contentsOfFile: before, encoding: .utf8).split(separator: "\r\n").count == 1)
    }

    @Test func historyAndAuditAsJSONWriteTimesAndIdsAsTheHTTPAPIDoes() throws {
        let (id, _) = try importFile()
        _ = try json(["approve", id, "--json"])
        let history = try #require(try json(["history", "service-point", "L1/001", "--json"]) as? [String: Any])
        let changes = try #require(history["changes"] as? [[String: Any]])
        #expect(changes.map { $0["entity"] as? String } == ["ServicePoint", "ServiceAgreement", "Register"])
        #expect(changes.allSatisfy { $0["importID"] as? String == id })
        let recordedAt = try #require(changes.first?["recordedAt"] as? String)
        #expect(ISO8601DateFormatter().date(from: recordedAt) != nil)
        let periods = try #require(history["periods"] as? [[String: Any]])
        #expect(periods.map { $0["configuration"] as? String } == ["service point L1/001", "account A1"])
        #expect(periods.first?["startDate"] as? String == "2020-01-15" && periods.map { $0["configuredKey"] as? String } == ["L1/001", "A1"])
        let text = try LedgerProcess.run(["history", "service-point", "L1/001", "--db", db])
        #expect(text.output.contains("ServiceAgreement L1/001 created") && text.output.contains("at account A1"))
        #expect(text.output.contains("Register M1 at service point L1/001: installed 2020-01-15; recorded from "))
        let meter = try LedgerProcess.run(["history", "meter", "M1", "--db", db]).output
        #expect(meter.contains("Register M1 at service point L1/001: installed 2020-01-15; recorded from "))
        #expect(try LedgerProcess.run(["history", "service-point", "L1", "--db", db]).status == 64)
        let audit = try #require(try json(["audit", "--json"]) as? [[String: Any]])
        // Uploaded, scanned, approved, two records, completed.
        #expect(audit.count == 7 && audit.allSatisfy { ($0["recordedAt"] as? String).flatMap(ISO8601DateFormatter().date(from:)) != nil })
    }

    @Test func aListCutShortSaysSoOnStandardErrorOnly() throws {
        let (id, _) = try importFile()
        _ = try json(["approve", id, "--json"])
        let audit = try LedgerProcess.run(["audit", "--limit", "2", "--json", "--db", db])
        #expect((try JSONSerialization.jsonObject(with: Data(audit.output.utf8)) as? [[String: Any]])?.count == 2)
        #expect(audit.errors.contains("the first 2 events") && audit.errors.contains("after #2"))
        #expect(try LedgerProcess.run(["audit", "--limit", "7", "--db", db]).errors.isEmpty)
        let second = folder.appendingPathComponent("second.csv").path
        try ScanCommandTests.clean.write(toFile: second, atomically: true, encoding: .utf8)
        _ = try json(["import", second, "--json"])
        let activity = try LedgerProcess.run(["activity", "--limit", "1", "--db", db])
        #expect(activity.status == 0 && activity.errors.contains("imports 1 to 1 of 2") && activity.errors.contains("--offset 1"))
        #expect(try LedgerProcess.run(["activity", "--db", db]).errors.isEmpty)
    }
}

extension LedgerCommandTests {
    @Test func asOfATimeOrADateGivesTheStateAndHistoryAsTheyStoodThen() throws {
        let (id, _) = try importFile()
        _ = try json(["approve", id, "--json"])
        // A time after the first approval (written to the second: a second on, less what is cut
        // off), and before the next one begins.
        let between = ISO8601DateFormatter().string(from: Date().addingTimeInterval(1))
        Thread.sleep(forTimeInterval: 2.1)
        let changed = folder.appendingPathComponent("changed.csv").path
        try (ScanCommandTests.header + "\nA1,L1,001,W,M1,Neptune,T-10,0.75,IN,N,GAL,1,2020-01-15\n").write(toFile: changed, atomically: true, encoding: .utf8)
        let second = try #require(try json(["import", changed, "--json"]) as? [String: Any])
        _ = try json(["approve", try #require(second["id"] as? String), "--json"])
        func meterSize(_ state: Any) -> String? { ((state as? [String: Any])?["Register"] as? [String: [String: String]])?["M1"]?["Meter_Size"] }
        #expect(meterSize(try json(["state", "--json"])) == "0.75")
        #expect(meterSize(try json(["state", "--as-of", between, "--json"])) == "0.625")
        #expect(meterSize(try json(["state", "--as-of", "2020-01-01", "--json"])) == nil)
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(meterSize(try json(["state", "--as-of", today, "--json"])) == "0.75", "A date is as of its end.")
        // Written from the stored rows, and from the log as of a time: the same bytes.
        let whole = try LedgerProcess.run(["state", "--json", "--db", db]).output
        let asOfToday = try LedgerProcess.run(["state", "--as-of", today, "--json", "--db", db]).output
        #expect(whole.hasPrefix("{\"Account\":{") && whole == asOfToday)
        let then = try #require(try json(["history", "register", "M1", "--as-of", between, "--json"]) as? [String: Any])
        #expect((then["changes"] as? [[String: Any]])?.count == 1)
        let now = try #require(try json(["history", "register", "M1", "--json"]) as? [String: Any])
        #expect((now["changes"] as? [[String: Any]])?.count == 2)
    }
}

extension LedgerCommandTests {
    @Test func aLedgerMadeByAnOlderVersionIsRebuiltOnceAndSaysSo() throws {
        let (id, _) = try importFile()
        #expect(try LedgerProcess.run(["approve", id, "--db", db]).errors.isEmpty, "A new ledger is up to date.")
        let older = try LedgerProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["sqlite3", db, "DELETE FROM entity_changes; UPDATE projections_version SET version = 1;"])
        #expect(older.status == 0)
        let first = try LedgerProcess.run(["history", "account", "A1", "--db", db])
        #expect(first.errors.contains("rebuilding them from the log, once") && first.output.contains("ServiceAgreement L1/001 created"))
        #expect(try LedgerProcess.run(["history", "account", "A1", "--db", db]).errors.isEmpty)
    }
}

extension LedgerCommandTests {
    /// The long commands show their progress on a terminal, and only there. Ten megabytes (about
    /// 22,000 records) make more than 20,000 events, from which a replay's and a verification's bars show.
    @Test func theLongCommandsShowTheirProgressOnATerminal() throws {
        let input = folder.appendingPathComponent("ten.csv")
        try LedgerProcess.generate(["--size-mb", "10"], to: input)
        func onATerminal(_ arguments: String) throws -> String {
            let command = "\(LedgerProcess.executable.path) \(arguments) --db \(db) > /dev/null"
            return try LedgerProcess.run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"]).output
        }
        let imported = try onATerminal("import \(input.path)")
        #expect(imported.contains("scanning") && imported.contains("100%"))
        let id = try #require((try json(["activity", "--json"]) as? [[String: Any]])?.first?["id"] as? String)
        let approved = try onATerminal("approve \(id)")
        #expect(approved.contains("approving") && approved.contains("100%"))
        for (command, labels) in [("verify", ["verifying"]), ("replay", ["replaying"]), ("backup -o \(folder.path)/copy.sqlite", ["backing up", "verifying"])] {
            let shown = try onATerminal(command)
            #expect(labels.allSatisfy(shown.contains) && shown.contains("100%"), "\(command)")
        }
        // Piped, the same commands show nothing.
        #expect(try LedgerProcess.run(["verify", "--db", db]).errors.isEmpty)
        #expect(try LedgerProcess.run(["backup", "-o", folder.appendingPathComponent("again.sqlite").path, "--db", db]).errors.isEmpty)
    }
}
