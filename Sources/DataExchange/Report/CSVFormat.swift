/// Writing CSV text: RFC 4180 quoting, and the byte-order mark that makes spreadsheets read UTF-8.
public enum CSVFormat {
    public static let byteOrderMark = "\u{FEFF}"
    public static let lineEnd = "\r\n"

    /// `value` as a CSV cell: quoted when it holds a comma, a quote, a line break or edge spaces.
    public static func cell(_ value: String) -> String {
        let needsQuotes = value.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || value.hasPrefix(" ") || value.hasSuffix(" ")
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `value` as a cell that a spreadsheet shows as text: a value that a spreadsheet would run as
    /// a formula (`=`, `@`, or a sign not followed by a digit) is led by an apostrophe.
    public static func inertCell(_ value: String) -> String {
        cell(isFormula(value) ? "'" + value : value)
    }

    /// The value an inert cell's text was made from: the apostrophe before a formula taken off.
    /// (A value that itself began with an apostrophe and then a formula reads back without it.)
    public static func value(ofInertCell text: String) -> String {
        text.hasPrefix("'") && isFormula(String(text.dropFirst())) ? String(text.dropFirst()) : text
    }

    private static func isFormula(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first else { return false }
        let second = value.unicodeScalars.dropFirst().first
        return first == "=" || first == "@" || first == "\t" || first == "\r"
            || ((first == "+" || first == "-") && !(second.map { ("0"..."9").contains($0) || $0 == "." } ?? true))
    }

    public static func line(_ cells: [String]) -> String {
        cells.map(cell).joined(separator: ",") + lineEnd
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
