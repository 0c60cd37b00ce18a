/// The formats of the exceptions report.
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case csv, json
}

/// Writes the exceptions report as the scan finds the exceptions: CSV (UTF-8 with a byte-order
/// mark, for spreadsheets) or JSON (the same lines, then the summary). Memory stays constant
/// however long the report.
public struct ExceptionReportWriter: ScanObserver {
    public static let csvHeader = ["severity", "code", "record", "line", "column", "value", "message"]

    private let output: OutputFile
    public let format: ReportFormat
    private var count = 0

    public init(path: String, format: ReportFormat) throws {
        output = try OutputFile(path: path)
        self.format = format
        switch format {
        case .csv: try output.write(CSVFormat.byteOrderMark + CSVFormat.line(Self.csvHeader))
        case .json: try output.write("{\"exceptions\":[")
        }
    }

    public mutating func scanner(found exception: ScanException) throws {
        try write(exception)
    }

    public mutating func scanner(scanned record: ScannedRecord) throws {
        for exception in record.exceptions { try write(exception) }
    }

    private mutating func write(_ exception: ScanException) throws {
        switch format {
        case .csv:
            let cells = [
                exception.severity.rawValue, exception.code.rawValue, exception.record.map(String.init) ?? "",
                exception.line.map(String.init) ?? "", exception.column ?? "",
            ].map(CSVFormat.cell) + [CSVFormat.inertCell(exception.value ?? ""), CSVFormat.inertCell(exception.message)]
            try output.write(cells.joined(separator: ",") + CSVFormat.lineEnd)
        case .json:
            try output.write((count == 0 ? "\n" : ",\n") + JSONText.object(exception.jsonFields))
        }
        count += 1
    }

    /// Ends the report; the JSON report closes with the summary.
    public func finish(summary: ScanSummary) throws {
        if format == .json {
            try output.write("\n],\n\"summary\":" + JSONText.encode(summary) + "}\n")
        }
        try output.flush()
    }
}

extension ScanException {
    /// The fields of a report line, in report order, for JSON.
    var jsonFields: [(String, JSONText.Value)] {
        let blocks: JSONText.Value = switch blocked {
        case .nothing: .null
        case .file: .string("file")
        case .components(.all): .string("record")
        case .components(let components): .array(components.members.map { .string($0.rawValue) })
        }
        return [
            ("severity", .string(severity.rawValue)), ("code", .string(code.rawValue)),
            ("record", record.map { .number($0) } ?? .null), ("line", line.map { .number($0) } ?? .null),
            ("column", column.map { .string($0) } ?? .null), ("value", value.map { .string($0) } ?? .null),
            ("message", .string(message)), ("blocks", blocks),
        ]
    }
}
