import DataExchange
import Foundation
import Testing
import TestSupport

/// The exceptions report (CSV and JSON) and the fix file.
@Suite struct ReportTests {
    /// A file with errors, warnings and a quoted value, scanned with every output written.
    static func scanWithOutputs(_ text: String, format: ReportFormat) throws -> (ScanSummary, report: Data, fixFile: Data) {
        let folder = try TemporaryFolder("ledger-tests")
        defer { folder.remove() }
        let report = folder.appendingPathComponent("report.\(format.rawValue)").path
        let fixFile = folder.appendingPathComponent("fix.csv").path
        var outputs = ScanOutputs(reports: [try ExceptionReportWriter(path: report, format: format)], fixFile: try FixFileWriter(path: fixFile))
        let scanner = Scanner(specification: try Specification.bundled(), today: testToday)
        let summary = try scanner.scan(MemoryByteSource(text), name: "test.csv", observer: &outputs)
        try outputs.finish(summary: summary)
        return (summary, try Data(contentsOf: URL(fileURLWithPath: report)), try Data(contentsOf: URL(fileURLWithPath: fixFile)))
    }

    static var messyFile: String {
        var file = DXFile(extra: ["Meter_Note", "Account_Phone"])
        file.add(["Meter_Note": "Behind the gate, \"beware of dog\""])
        file.add(["Account_ID": "A2", "Location_ID": "L2", "Meter_ID": "M2", "Endpoint_SN": "E2", "Meter_Install_Date": "3/7/2024",
                  "Meter_Note": "=HYPERLINK(\"http://x\")", "Account_Phone": "call me"])
        file.add(["Account_ID": "A3", "Location_ID": "L3", "Meter_ID": "M3", "Endpoint_SN": "E3", "Account_Phone": "-x"])
        file.add(["Account_ID": "A4", "Location_ID": "", "Meter_ID": "M4", "Endpoint_SN": "E4", "Meter_Note": "two\nlines, quoted"])
        return file.text
    }

    @Test func theCSVReportHasTheFixedHeaderAByteOrderMarkAndOneLinePerException() throws {
        let (summary, report, _) = try Self.scanWithOutputs(Self.messyFile, format: .csv)
        #expect(report.starts(with: [0xEF, 0xBB, 0xBF]))
        let batch = CSVTokenizer.records(in: report)
        let rows = (0..<batch.count).map { batch.cells(ofRecordAt: $0).map { String(decoding: $0, as: UTF8.self) } }
        #expect(rows[0] == ["severity", "code", "record", "line", "column", "value", "message"])
        #expect(rows.count - 1 == summary.errors + summary.warnings)
        let date = try #require(rows.first { $0[1] == "invalid-date" })
        #expect(date == ["error", "invalid-date", "2", "3", "Meter_Install_Date", "3/7/2024",
                         "Meter_Install_Date \"3/7/2024\" is not a date in the form YYYY-MM-DD."])
        let phone = try #require(rows.first { $0[1] == "unusual-phone" && $0[2] == "2" })
        #expect(phone[0] == "warning")
        let key = try #require(rows.first { $0[1] == "missing-key" })
        #expect(key[2] == "4" && key[3] == "5" && key[4] == "Location_ID")
        // A value a spreadsheet would run as a formula is shown as text.
        #expect(rows.contains { $0[5] == "'-x" })
    }

    /// A quote inside an unquoted cell is kept as text, and the report says so on its own line,
    /// as staff read it: a warning, with the record, the line and what to do.
    @Test func aStrayQuoteIsAWarningLineOfTheReport() throws {
        var file = DXFile(extra: ["Meter_Note"])
        file.add(["Meter_Note": "placeholder"])
        let text = file.text.replacingOccurrences(of: ",placeholder", with: ",12\" pipe")
        let (summary, report, _) = try Self.scanWithOutputs(text, format: .csv)
        let batch = CSVTokenizer.records(in: report)
        let rows = (1..<batch.count).map { batch.cells(ofRecordAt: $0).map { String(decoding: $0, as: UTF8.self) } }
        let line = try #require(rows.first { $0[1] == "stray-quote" }, "\(rows)")
        #expect(line[0] == "warning" && line[2] == "1" && line[3] == "2")
        #expect(!line[6].isEmpty)
        #expect(summary.errors == 0 && summary.warnings == rows.count && summary.ready == 1)
    }

    @Test func aCSVReportReadsBackAsTheLinesOfTheJSONReportWithTheValuesAsFound() throws {
        let (_, csv, _) = try Self.scanWithOutputs(Self.messyFile, format: .csv)
        let (_, json, _) = try Self.scanWithOutputs(Self.messyFile, format: .json)
        let folder = try TemporaryFolder("ledger-tests")
        defer { folder.remove() }
        let path = folder.appendingPathComponent("report.csv").path
        try csv.write(to: URL(fileURLWithPath: path))
        var read: [String] = []
        try ExceptionReportReader.forEachLine(inFileAt: path) { read.append(JSONText.object($0.jsonFields)) }
        // The JSON report's lines, less which components each blocks (the CSV does not keep it).
        let lines = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])["exceptions"] as? [[String: Any]]
        let expected = try #require(lines).map { line in
            line.filter { $0.key != "blocks" }
        }
        let got = try read.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(got.count == expected.count && got.count > 3)
        #expect(zip(got, expected).allSatisfy { NSDictionary(dictionary: $0).isEqual(to: $1) })
        // A value a spreadsheet would run is stored behind an apostrophe, and reads back without it.
        #expect(String(decoding: csv, as: UTF8.self).contains(",'-x,"))
        #expect(read.contains { $0.contains(#""value":"-x""#) })
        #expect(throws: DataExchangeError.self) { try ExceptionReportReader.forEachLine(inFileAt: path + ".missing") { _ in } }
    }

    /// Every value that begins as a formula can is led by an apostrophe, unless it is a number.
    @Test(arguments: [
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"), ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
        ("@SUM(A1)", "'@SUM(A1)"), ("\r=1", "'\r=1"), ("-1.5.2", "'-1.5.2"), ("-", "'-"), ("+", "'+"),
        ("-3.5", "-3.5"), ("+.5", "+.5"), ("12", "12"), ("2023-01-05", "2023-01-05"), ("x-1", "x-1"),
    ])
    func aValueThatWouldRunIsLedByAnApostrophe(value: String, inert: String) {
        let cell = CSVFormat.inertCell(value)
        let unquoted = cell.hasPrefix("\"") ? String(cell.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : cell
        #expect(unquoted == inert)
    }

    @Test func anInertCellReadsBackAsItsValue() {
        for value in ["=1+2", "@x", "-x", "+x", "\tx", "-1", "+.5", "plain", "'quoted", "", "-", "-2+3+cmd|' /C calc'!A0"] {
            let cell = CSVFormat.inertCell(value)
            let unquoted = cell.hasPrefix("\"") ? String(cell.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : cell
            #expect(CSVFormat.value(ofInertCell: unquoted) == value, "\(value)")
        }
    }

    @Test func valuesAreCutAt200Characters() throws {
        let long = String(repeating: "x", count: 500)
        let (_, report, _) = try Self.scanWithOutputs(DXFile.one(["Account_Full_Name": long]), format: .csv)
        let batch = CSVTokenizer.records(in: report)
        let value = String(decoding: batch.cells(ofRecordAt: 1)[5], as: UTF8.self)
        #expect(value.count == 200)
        #expect(String(decoding: batch.cells(ofRecordAt: 1)[6], as: UTF8.self).contains("has 500 characters; at most 128"))
    }

    @Test func theJSONReportHasTheSameLinesAndTheSummary() throws {
        let (summary, report, _) = try Self.scanWithOutputs(Self.messyFile, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        let exceptions = try #require(object["exceptions"] as? [[String: Any]])
        #expect(exceptions.count == summary.errors + summary.warnings)
        let key = try #require(exceptions.first { $0["code"] as? String == "missing-key" })
        #expect(key["blocks"] as? String == "record")
        #expect(key["record"] as? Int == 4)
        let date = try #require(exceptions.first { $0["code"] as? String == "invalid-date" })
        #expect(date["blocks"] as? [String] == ["Meter"])
        let totals = try #require(object["summary"] as? [String: Any])
        #expect(totals["errors"] as? Int == summary.errors)
        #expect(totals["records"] as? Int == 4)
        #expect((totals["byCode"] as? [String: Int])?["invalid-date"] == 1)
    }

    @Test func theFixFileHoldsOnlyTheRecordsWithErrorsAsTheyWereAndWhatToCorrect() throws {
        let (summary, _, fix) = try Self.scanWithOutputs(Self.messyFile, format: .csv)
        #expect(fix.starts(with: [0xEF, 0xBB, 0xBF]))
        let batch = CSVTokenizer.records(in: fix)
        let rows = (0..<batch.count).map { batch.cells(ofRecordAt: $0).map { String(decoding: $0, as: UTF8.self) } }
        let header = DXFile.baseColumns + ["Meter_Note", "Account_Phone"]
        #expect(rows[0] == header + ["Exceptions"])
        #expect(rows.count - 1 == summary.recordsWithErrors)
        #expect(rows[1][0] == "A2" && rows[2][0] == "A4")
        #expect(rows[1][header.firstIndex(of: "Meter_Note")!] == "=HYPERLINK(\"http://x\")")
        #expect(rows[2][header.firstIndex(of: "Meter_Note")!] == "two\nlines, quoted")
        #expect(rows[1].last!.contains("error: Meter_Install_Date \"3/7/2024\""))
        #expect(rows[1].last!.contains("warning: Account_Phone"))
    }

    @Test func aCorrectedFixFileScansClean() throws {
        let (_, _, fix) = try Self.scanWithOutputs(Self.messyFile, format: .csv)
        let corrected = String(decoding: fix, as: UTF8.self).replacingOccurrences(of: "3/7/2024", with: "2024-03-07")
            .replacingOccurrences(of: ",,L2,", with: ",,L2,").replacingOccurrences(of: "A4,Ada Lovelace,,", with: "A4,Ada Lovelace,L4,")
            .replacingOccurrences(of: "call me", with: "(414) 555-0100")
        let (summary, collected) = try scan(corrected)
        #expect(summary.errors == 0, "\(collected.codes)")
        #expect(summary.records == 2 && summary.ready == 2)
    }

    @Test func totalsStayExactWhenEveryRecordIsWrong() throws {
        var file = DXFile()
        for n in 0..<3_000 {
            file.add(["Account_ID": "A\(n)", "Location_ID": "L\(n)", "Meter_ID": "M\(n)", "Endpoint_SN": "E\(n)",
                      "Meter_Install_Date": "1/\(n % 28 + 1)/2024", "Meter_Size": "5/8"])
        }
        let (summary, report, fix) = try Self.scanWithOutputs(file.text, format: .csv)
        #expect(summary.errors == 6_000 && summary.recordsWithErrors == 3_000)
        #expect(CSVTokenizer.records(in: report).count == 6_001)
        #expect(CSVTokenizer.records(in: fix).count == 3_001)
        #expect(summary.byCode == ["invalid-date": 3_000, "invalid-decimal": 3_000])
        #expect(summary.byColumn == ["Meter_Install_Date": 3_000, "Meter_Size": 3_000])
    }
}
