import DataExchange
import Foundation
import Ledger

/// One line of an exceptions report.
struct ExceptionLine: Encodable, Sendable {
    var severity: String
    var code: String
    var record: Int?
    var line: Int?
    var column: String
    var value: String
    var message: String
}

/// Which lines of a report a page shows.
struct ExceptionFilter: Sendable, Equatable {
    var severity: String?
    var code: String?
    var column: String?
}

/// An index of an exceptions report (CSV), built once by reading it: for each line, where it
/// starts in the file and its severity, code and column as small numbers. A page of a report
/// with a million lines filters the index in memory (13 bytes a line) and reads only the lines
/// it shows from the file.
struct ExceptionReportIndex: Sendable {
    let file: URL
    private(set) var severities: [String] = []
    private(set) var codes: [String] = []
    private(set) var columns: [String] = []
    private var offsets: [Int] = []
    private var lineSeverity: [UInt8] = []
    private var lineCode: [UInt16] = []
    private var lineColumn: [UInt16] = []

    var count: Int { offsets.count }

    init(reading file: URL) throws {
        self.file = file
        let source = try Self.source(file)
        var severityNumbers: [String: Int] = [:], codeNumbers: [String: Int] = [:], columnNumbers: [String: Int] = [:]
        var headerSeen = false
        func number(_ text: String, _ table: inout [String: Int], _ names: inout [String]) -> Int {
            if let known = table[text] { return known }
            names.append(text)
            table[text] = names.count - 1
            return names.count - 1
        }
        func take(_ batch: RecordBatch) {
            for index in 0..<batch.count {
                guard headerSeen else {
                    headerSeen = true
                    continue
                }
                let cells = batch.cells(ofRecordAt: index).map { String(decoding: $0, as: UTF8.self) }
                guard cells.count >= 5 else { continue }
                offsets.append(batch.records[index].byteOffset)
                lineSeverity.append(UInt8(number(cells[0], &severityNumbers, &severities)))
                lineCode.append(UInt16(truncatingIfNeeded: number(cells[1], &codeNumbers, &codes)))
                lineColumn.append(UInt16(truncatingIfNeeded: number(cells[4], &columnNumbers, &columns)))
            }
        }
        try CSVTokenizer.forEachBatch(of: source, take)
    }

    /// The lines that pass `filter`, `limit` of them from `offset`, and how many pass in all.
    func page(_ filter: ExceptionFilter, offset: Int, limit: Int) throws -> (total: Int, lines: [ExceptionLine]) {
        let severity = filter.severity.flatMap { severities.firstIndex(of: $0) }.map(UInt8.init)
        let code = filter.code.flatMap { codes.firstIndex(of: $0) }.map(UInt16.init)
        let column = filter.column.flatMap { columns.firstIndex(of: $0) }.map(UInt16.init)
        // A filter on a value the report does not hold matches nothing.
        if (filter.severity != nil && severity == nil) || (filter.code != nil && code == nil) || (filter.column != nil && column == nil) {
            return (0, [])
        }
        var total = 0
        var shown: [Int] = []
        for line in 0..<offsets.count {
            if let severity, lineSeverity[line] != severity { continue }
            if let code, lineCode[line] != code { continue }
            if let column, lineColumn[line] != column { continue }
            if total >= offset && shown.count < limit { shown.append(line) }
            total += 1
        }
        let source = try Self.source(file)
        return (total, try shown.map { try read(line: $0, from: source) })
    }

    private static func source(_ file: URL) throws -> FileByteSource {
        guard let source = try? FileByteSource(path: file.path) else { throw ServerError(.notFound, "The exceptions report is missing from the store.") }
        return source
    }

    /// Reads one line of the report where the index says it starts.
    private func read(line: Int, from source: FileByteSource) throws -> ExceptionLine {
        let batch = try CSVTokenizer.record(at: offsets[line], in: source)
        let read = ExceptionReportReader.line(batch.map { $0.cells(ofRecordAt: 0).map { String(decoding: $0, as: UTF8.self) } } ?? [])
        // The value as the file had it: the apostrophe the CSV puts before a formula is the CSV's.
        return ExceptionLine(
            severity: read.severity, code: read.code, record: read.record, line: read.line, column: read.column ?? "", value: read.value ?? "",
            message: read.message)
    }
}

/// The indexes of the reports read lately, so paging through one does not read it again.
actor ExceptionReportIndexes {
    private var indexes: [String: ExceptionReportIndex] = [:]
    private var order: [String] = []
    private let capacity = 4

    func index(of file: URL) async throws -> ExceptionReportIndex {
        let key = file.lastPathComponent
        if let index = indexes[key] { return index }
        let index = try await offCooperativePool { Result { try ExceptionReportIndex(reading: file) } }.get()
        indexes[key] = index
        order.append(key)
        if order.count > capacity { indexes[order.removeFirst()] = nil }
        return index
    }
}
