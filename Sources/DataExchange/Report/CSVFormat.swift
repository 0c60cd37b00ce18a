/// Writing CSV text: RFC 4180 quoting, and the byte-order mark that makes spreadsheets read UTF-8.
public enum CSVFormat {
    public static let byteOrderMark = "\u{FEFF}"
    public static let lineEnd = "\r\n"

    /// `value` as a CSV cell: quoted when it holds a comma, a quote, a line break or edge spaces.
    public static func cell(_ value: String) -> String {
        guard needsQuotes(value) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func needsQuotes(_ value: String) -> Bool {
        let bytes = value.utf8
        return bytes.first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ")
            || bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
    }

    /// Appends `cells` to `bytes` as one line, as `line` writes them, without making a string of
    /// each: for a file of a hundred thousand lines.
    public static func appendLine(_ cells: [String], to bytes: inout [UInt8], lineEnd: String = CSVFormat.lineEnd) {
        var first = true
        for value in cells {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(contentsOf: needsQuotes(value) ? cell(value).utf8 : value.utf8)
        }
        bytes.append(contentsOf: lineEnd.utf8)
    }

    /// `value` as a cell that a spreadsheet shows as text: a value that begins as a formula can
    /// (`=`, `+`, `-`, `@`, a tab or a carriage return) is led by an apostrophe, unless it is a
    /// plain number: `-2+3+cmd|' /C calc'!A0` begins with a sign and a digit and still runs.
    public static func inertCell(_ value: String) -> String {
        cell(isFormula(value) ? "'" + value : value)
    }

    /// The value an inert cell's text was made from: the apostrophe before a formula taken off.
    /// (A value that itself began with an apostrophe and then a formula reads back without it.)
    public static func value(ofInertCell text: String) -> String {
        text.hasPrefix("'") && isFormula(String(text.dropFirst())) ? String(text.dropFirst()) : text
    }

    private static func isFormula(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return false }
        return !isPlainNumber(value)
    }

    /// A sign, digits and at most one decimal point, with a digit somewhere: `-3.5`, `+.5`.
    private static func isPlainNumber(_ value: String) -> Bool {
        var scalars = Substring(value).unicodeScalars
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
        var digits = 0, points = 0
        for scalar in scalars {
            if ("0"..."9").contains(scalar) { digits += 1 } else if scalar == "." { points += 1 } else { return false }
        }
        return digits > 0 && points <= 1
    }

    public static func line(_ cells: [String]) -> String {
        var bytes: [UInt8] = []
        appendLine(cells, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
