import DataExchange
import Foundation
import Testing
import TestSupport

/// `ledger sample`: the product's own sample files, for tests, benchmarks and demonstrations.
@Suite struct SampleCommandTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }

    init() throws { scratch = try TemporaryFolder("ledger-cli-sample") }

    @Test func theSameOptionsWriteTheSameBytesToAFileOrStandardOutput() throws {
        let first = folder.appendingPathComponent("first.csv"), second = folder.appendingPathComponent("second.csv")
        let arguments = ["--rows", "300", "--seed", "12", "--generation", "1", "--compound", "0.2"]
        try LedgerProcess.generate(arguments, to: first)
        try LedgerProcess.generate(arguments, to: second)
        let bytes = try Data(contentsOf: first)
        #expect(bytes == (try Data(contentsOf: second)))
        let printed = try LedgerProcess.run(["sample"] + arguments)
        #expect(printed.status == 0 && Data(printed.output.utf8) == bytes)
        #expect(printed.output.hasPrefix(try Specification.bundled().columns.map(\.name).joined(separator: ",") + "\n"))
        #expect(printed.output.split(separator: "\n").count == 301)
        let scanned = try LedgerProcess.run(["scan", first.path])
        #expect(scanned.status == 0, "\(scanned.output)")
    }

    @Test func aSizeInMebibytesStaysUnderIt() throws {
        let file = folder.appendingPathComponent("two.csv")
        try LedgerProcess.generate(["--size-mb", "2", "--quirks"], to: file)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(size <= 2 * 1_048_576 && size >= 2 * 1_048_576 * 99 / 100)
        #expect(try LedgerProcess.run(["scan", file.path]).status == 0)
    }

    @Test func anIDUpdateFileRenamesWhatTheLedgerHolds() throws {
        let db = folder.appendingPathComponent("ledger.sqlite").path
        let export = folder.appendingPathComponent("export.csv"), renames = folder.appendingPathComponent("renames.csv")
        try LedgerProcess.generate(["--rows", "600", "--seed", "8"], to: export)
        let imported = try LedgerProcess.run(["import", export.path, "--db", db, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? String)
        #expect(try LedgerProcess.run(["approve", id, "--db", db]).status == 0)
        try LedgerProcess.generate(["--rows", "600", "--seed", "8", "--id-update", "40"], to: renames)
        let scanned = try LedgerProcess.run(["scan", renames.path, "--db", db, "--json"])
        #expect(scanned.status == 0, "\(scanned.output)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(scanned.output.utf8)) as? [String: Any])
        #expect(summary["kind"] as? String == "id-update" && summary["ready"] as? Int == 40)
    }

    @Test func optionsOutOfRangeAreAWrongInvocation() throws {
        for arguments in [["--errors", "2"], ["--rows", "-5"], ["--generation", "-1"], ["--size-mb", "1", "--id-update", "3"]] {
            let result = try LedgerProcess.run(["sample"] + arguments)
            #expect(result.status == 64, "\(arguments)")
        }
        let tooMany = try LedgerProcess.run(["sample", "--rows", "10", "--id-update", "500"])
        #expect(tooMany.status != 0 && tooMany.errors.contains("locations"))
    }
}
