/// Writes the fix file: the original header and only the records with errors, with their original
/// values, plus a last column `Exceptions` saying what to correct. A person corrects it in a
/// spreadsheet and drops it again; the scanner ignores that last column.
public struct FixFileWriter: ScanObserver {
    public static let exceptionsColumn = "Exceptions"

    private let output: OutputFile
    private var columns = 0

    public init(path: String) throws {
        output = try OutputFile(path: path)
    }

    public mutating func scanner(readHeader header: Header) throws {
        columns = header.names.count
        try output.write(CSVFormat.byteOrderMark + CSVFormat.line(header.names + [Self.exceptionsColumn]))
    }

    public mutating func scanner(scanned record: ScannedRecord) throws {
        guard record.hasErrors else { return }
        var cells = record.cells
        if cells.count < columns { cells += Array(repeating: "", count: columns - cells.count) }
        let messages = record.exceptions.map { "\($0.severity.rawValue): \($0.message)" }.joined(separator: "\n")
        try output.write(CSVFormat.line(cells + [messages]))
    }

    public func finish() throws {
        try output.flush()
    }
}
