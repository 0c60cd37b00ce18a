import DataExchange
import Foundation
import Testing
import TestSupport

/// `ledger scan`, run as a process: its exit status, output and files are a contract.
@Suite struct ScanCommandTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }

    init() throws {
        scratch = try TemporaryFolder("ledger-cli")
    }

    func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let header = "Account_ID,Location_ID,Service_Point_ID,Service_Point_Type,Meter_ID,Meter_Manufacturer,Meter_Model,Meter_Size,Meter_Size_Unit,Meter_Continuous_Flow,Register_Unit_Of_Measure,Register_Resolution,Meter_Install_Date"
    static let clean = header + "\nA1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15\n"
    static let withError = header + "\nA1,L1,001,W,M1,Neptune,T-10,5/8,IN,N,GAL,1,3/7/2024\n"

    @Test func exitStatusZeroOneTwoAndSixtyFour() throws {
        #expect(try LedgerProcess.run(["scan", file("clean.csv", Self.clean)]).status == 0)
        #expect(try LedgerProcess.run(["scan", file("errors.csv", Self.withError)]).status == 1)
        #expect(try LedgerProcess.run(["scan", file("bad.csv", "Account_ID;Meter_ID\nA;M\n")]).status == 2)
        #expect(try LedgerProcess.run(["scan", file("empty.csv", "")]).status == 2)
        #expect(try LedgerProcess.run(["scan"]).status == 64)
        #expect(try LedgerProcess.run(["scan", file("c2.csv", Self.clean), "--no-such-option"]).status == 64)
        #expect(try LedgerProcess.run(["scan", file("c3.csv", Self.clean), "--format", "xml"]).status == 64)
        let missing = try LedgerProcess.run(["scan", folder.appendingPathComponent("nowhere.csv").path])
        #expect(missing.status == 64)
        #expect(missing.errors.contains("nowhere.csv"))
    }

    @Test func theSummaryIsForAPerson() throws {
        let result = try LedgerProcess.run(["scan", file("errors.csv", Self.withError)])
        #expect(result.output.contains("records              1"))
        #expect(result.output.contains("ready                1"))
        #expect(result.output.contains("errors               2  in 1 records"))
        #expect(result.output.contains("invalid-date"))
        #expect(result.output.contains("Meter_Install_Date"))
        #expect(result.output.contains("time "))
    }

    @Test func jsonOutputHasTheContractKeys() throws {
        let result = try LedgerProcess.run(["scan", "--json", file("errors.csv", Self.withError)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["records", "ready", "errors", "warnings", "fileErrors", "byCode"] {
            #expect(object[key] != nil, "\(key)")
        }
        #expect(object["records"] as? Int == 1)
        #expect(object["errors"] as? Int == 2)
        #expect((object["byCode"] as? [String: Int]) == ["invalid-date": 1, "invalid-decimal": 1])
    }

    @Test func optionsComeInAnyOrderAndWriteTheReportAndTheFixFile() throws {
        let input = try file("errors.csv", Self.withError)
        let report = folder.appendingPathComponent("report.json").path, fix = folder.appendingPathComponent("fix.csv").path
        let result = try LedgerProcess.run(["scan", "--format", "json", "--fix-file", fix, input, "--json", "--report", report, "--db", "x.sqlite"], in: folder)
        #expect(result.status == 1)
        let reportObject = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect((reportObject["exceptions"] as? [Any])?.count == 2)
        let fixBytes = try Data(contentsOf: URL(fileURLWithPath: fix))
        #expect(fixBytes.starts(with: [0xEF, 0xBB, 0xBF] + Array((Self.header + ",Exceptions\r\n").utf8)))
        let fixText = String(decoding: fixBytes, as: UTF8.self)
        #expect(fixText.contains("5/8"))
        // The scan reads no ledger yet, and writes none.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.sqlite").path))
        let csv = folder.appendingPathComponent("report.csv").path
        #expect(try LedgerProcess.run(["scan", "--report", csv, input]).status == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: csv)).starts(with: [0xEF, 0xBB, 0xBF] + Array("severity,code,record,line,column,value,message\r\n".utf8)))
    }

    @Test func aFileLevelErrorIsExplainedOnTheTerminal() throws {
        let result = try LedgerProcess.run(["scan", file("bad.csv", "Account_ID;Meter_ID\nA;M\n")])
        #expect(result.status == 2)
        #expect(result.output.contains("cannot be imported"))
        #expect(result.output.contains("semicolons"))
    }

    /// `ledger sample` injects one mistake in about 5% of the rows; for this seed exactly these
    /// (SampleGeneratorTests.aFewMistakesAreAboutTheirShareAndEachIsFound checks them against
    /// what the generator injected: each mistake one error of its code).
    @Test func aGeneratedFileWithInjectedMistakesIsScannedExactly() throws {
        let input = folder.appendingPathComponent("messy.csv")
        try LedgerProcess.generate(["--rows", "3000", "--errors", "0.05", "--quirks", "--seed", "11"], to: input)
        let result = try LedgerProcess.run(["scan", input.path, "--json"])
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 3_000)
        #expect(object["errors"] as? Int == 170 && object["recordsWithErrors"] as? Int == 170 && object["warnings"] as? Int == 0)
        // The 18 blank keys and 13 damaged meter IDs place their registers nowhere: those records wait.
        #expect(object["ready"] as? Int == 3_000 - 18 - 13)
        let byCode = try #require(object["byCode"] as? [String: Int])
        #expect(byCode == [
            "invalid-date": 32, "invalid-integer": 19, "missing-key": 18, "invalid-latitude": 15, "removal-before-install": 15,
            "invalid-decimal": 13, "scientific-notation": 13, "invalid-email": 12, "clear-not-allowed": 9, "invalid-alert-code": 9,
            "invalid-value": 8, "too-long": 7,
        ])
    }

    @Test func aProgressBarShowsOnlyOnATerminal() throws {
        let input = folder.appendingPathComponent("five.csv")
        try LedgerProcess.generate(["--size-mb", "5"], to: input)
        let piped = try LedgerProcess.run(["scan", input.path])
        #expect(piped.errors.isEmpty)
        let command = "\(LedgerProcess.executable.path) scan \(input.path) > /dev/null"
        let terminal = try LedgerProcess.run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        #expect(terminal.output.contains("scanning"))
        #expect(terminal.output.contains("100%"))
    }
}

@Suite struct SpecificationCommandTests {
    @Test func specPrintsTheSpecificationAsCSVAndMarkdown() throws {
        let csv = try LedgerProcess.run(["spec", "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.output == (try Specification.bundled().csv))
        let markdown = try LedgerProcess.run(["spec", "--format", "markdown"])
        #expect(markdown.output.contains("| `Meter_Install_Date` |"))
        let idUpdate = try LedgerProcess.run(["spec", "--kind", "id-update", "--format", "csv"])
        #expect(idUpdate.output.contains("Meter_ID_new"))
    }

    @Test func templateWritesABlankFileWithEveryColumn() throws {
        let folder = try TemporaryFolder("ledger-cli")
        defer { folder.remove() }
        let path = folder.appendingPathComponent("template.csv").path
        #expect(try LedgerProcess.run(["template", "-o", path]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes == Data([0xEF, 0xBB, 0xBF] + Array(((try Specification.bundled().columns.map(\.name).joined(separator: ",")) + "\r\n").utf8)))
        #expect(try LedgerProcess.run(["scan", path]).status == 0)
    }

    @Test func codesPrintsTheExceptionsDocument() throws {
        #expect(try LedgerProcess.run(["codes"]).output == ExceptionCode.documentation)
    }
}
