/// A file's header resolved against the specification: which column each cell of a record holds.
public struct Header: Sendable {
    public let specification: Specification
    /// The header's cells as found, trimmed of spaces.
    public let names: [String]
    /// For each cell of a record, the specification's column, or nil for an unknown column.
    public let columnOfCell: [Int?]
    /// For each column of the specification, the cell that holds it, or nil when the file has none.
    public let cellOfColumn: [Int?]

    public func cell(ofColumn name: String) -> Int? {
        specification.index(of: name).flatMap { cellOfColumn[$0] }
    }

    /// Resolves header cells, reporting unknown and renamed columns (warnings) and repeated or
    /// missing key columns (errors that stop the file).
    static func resolve(_ rawNames: [String], specification: Specification) -> (Header, [ScanException]) {
        var exceptions: [ScanException] = []
        let names = rawNames.map { $0.trimmingSpaces() }
        var columnOfCell: [Int?] = []
        var cellOfColumn = [Int?](repeating: nil, count: specification.columns.count)
        for (cell, name) in names.enumerated() {
            if name == FixFileWriter.exceptionsColumn && cell == names.count - 1 && specification.match(name) == nil {
                // The last column of a fix file dropped again after correction.
                columnOfCell.append(nil)
                continue
            }
            switch specification.match(name) {
            case nil:
                columnOfCell.append(nil)
                exceptions.append(ScanException(
                    .unknownColumn, column: name,
                    message: "The column \"\(name)\" is not in the \(specification.kind.title) specification; it is ignored. Check its spelling (names are case-sensitive) or remove it."))
            case .current(let column), .alias(let column):
                let current = specification.columns[column].name
                if case .alias = specification.match(name) {
                    exceptions.append(ScanException(
                        .renamedColumn, column: name,
                        message: "The column \"\(name)\" is an older name of \(current); it is read as \(current). Rename it in the export."))
                }
                if cellOfColumn[column] != nil {
                    columnOfCell.append(nil)
                    exceptions.append(ScanException(
                        .repeatedColumn, column: current,
                        message: "The column \(current) appears more than once in the header (cells \(cellOfColumn[column]! + 1) and \(cell + 1)). Keep one and drop the file again."))
                } else {
                    cellOfColumn[column] = cell
                    columnOfCell.append(column)
                }
            }
        }
        let header = Header(specification: specification, names: names, columnOfCell: columnOfCell, cellOfColumn: cellOfColumn)
        return (header, exceptions)
    }

    /// Whether a header that is one cell, or that lacks key columns, was written with another
    /// delimiter: it returns the delimiter's name when splitting by it yields known columns.
    static func foreignDelimiter(_ names: [String], specification: Specification) -> String? {
        let text = names.joined(separator: ",")
        for (delimiter, label) in [(";", "semicolons (;)"), ("\t", "tabs"), ("|", "vertical bars (|)")] where text.contains(delimiter) {
            let parts = text.split(separator: Character(delimiter)).map { String($0).trimmingSpaces() }
            if parts.filter({ specification.match($0) != nil }).count >= 2 { return label }
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" || first == "\u{FEFF}" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
