import Foundation

/// Reads back an exceptions report that `ExceptionReportWriter` wrote as CSV, a line at a time:
/// what a stored report gives when it is asked for as JSON.
public enum ExceptionReportReader {
    /// One exception as the report holds it; the value as it was found in the file.
    public struct Line: Sendable, Equatable {
        public var severity: String
        public var code: String
        public var record: Int?
        public var line: Int?
        public var column: String?
        public var value: String?
        public var message: String

        /// The fields in report order, for JSON (as `scan --format json` writes a line, without
        /// which components it blocks: the CSV report does not keep that).
        public var jsonFields: [(String, JSONText.Value)] {
            [
                ("severity", .string(severity)), ("code", .string(code)), ("record", record.map { .number($0) } ?? .null),
                ("line", line.map { .number($0) } ?? .null), ("column", column.map { .string($0) } ?? .null),
                ("value", value.map { .string($0) } ?? .null), ("message", .string(message)),
            ]
        }
    }

    /// Each line of the report at `path`, in order, after its header.
    public static func forEachLine(inFileAt path: String, _ body: (Line) throws -> Void) throws {
        guard let source = try? FileByteSource(path: path) else {
            throw DataExchangeError(.unreadableFile, "Cannot read the exceptions report \(path).", path: path)
        }
        var headerSeen = false
        try CSVTokenizer.forEachBatch(of: source) { batch in
            for index in 0..<batch.count {
                let cells = batch.cells(ofRecordAt: index).map { String(decoding: $0, as: UTF8.self) }
                guard headerSeen else {
                    headerSeen = true
                    continue
                }
                try body(line(cells))
            }
        }
    }

    /// A line of the report from its cells, as the writer made them.
    public static func line(_ cells: [String]) -> Line {
        func cell(_ index: Int) -> String { index < cells.count ? cells[index] : "" }
        let column = cell(4).isEmpty ? nil : cell(4)
        // A blank cell is an empty value where the line names a column, and none where it does
        // not (an exception about the whole file).
        let value = cell(5).isEmpty && column == nil ? nil : CSVFormat.value(ofInertCell: cell(5))
        return Line(
            severity: cell(0), code: cell(1), record: Int(cell(2)), line: Int(cell(3)), column: column, value: value,
            message: CSVFormat.value(ofInertCell: cell(6)))
    }
}
