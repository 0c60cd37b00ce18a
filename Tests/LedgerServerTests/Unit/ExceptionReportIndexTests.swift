import Foundation
import Testing

@testable import LedgerServer

@Suite struct ExceptionReportIndexTests {
    @Test func linesAreFilteredPagedAndReadBack() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID()).csv")
        var text = "\u{FEFF}severity,code,record,line,column,value,message\n"
        for record in 1...250 {
            let code = record % 2 == 0 ? "invalid-date" : "too-long"
            text += "\(record % 5 == 0 ? "warning" : "error"),\(code),\(record),\(record + 1),Col\(record % 3),\"v,\(record)\",\"say \"\"\(record)\"\"\"\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let index = try ExceptionReportIndex(reading: url)
        #expect(index.count == 250)
        let all = try index.page(ExceptionFilter(), offset: 240, limit: 100)
        #expect(all.total == 250 && all.lines.count == 10 && all.lines.first?.record == 241)
        #expect(all.lines.first?.value == "v,241" && all.lines.first?.message == "say \"241\"")
        let dates = try index.page(ExceptionFilter(code: "invalid-date"), offset: 0, limit: 3)
        #expect(dates.total == 125 && dates.lines.map(\.record) == [2, 4, 6])
        let warnings = try index.page(ExceptionFilter(severity: "warning", column: "Col0"), offset: 0, limit: 100)
        #expect(warnings.total == 16 && warnings.lines.allSatisfy { $0.severity == "warning" && $0.column == "Col0" })
        #expect(try index.page(ExceptionFilter(code: "unknown"), offset: 0, limit: 10).total == 0)
    }
}
