/// The specification as users download it (step 1 of their process): as CSV, as a Markdown table,
/// and as a blank template file.
extension Specification {
    public static let csvColumns = ["column", "aliases", "entity", "max_length", "format", "values", "requirement", "clearable", "description"]

    public var csv: String {
        CSVFormat.line(Self.csvColumns) + columns.map { column in
            CSVFormat.line([
                column.name, column.aliases.joined(separator: "|"), column.component.rawValue, String(column.maxLength),
                column.format.rawValue, column.values.joined(separator: "|"), column.requirement.rawValue,
                column.clearable ? "yes" : "no", column.description,
            ])
        }.joined()
    }

    public var markdown: String {
        var text = "# Data Exchange specification: \(kind.title) (version \(version))\n\n"
        text += "| column | older names | entity | max length | format | values | requirement | _CLEAR_ | description |\n"
        text += "|---|---|---|---|---|---|---|---|---|\n"
        for column in columns {
            let cells = [
                "`\(column.name)`", column.aliases.joined(separator: ", "), column.component.rawValue, String(column.maxLength),
                column.format.rawValue, column.values.joined(separator: ", "), column.requirement.rawValue,
                column.clearable ? "yes" : "no", column.description,
            ]
            text += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return text
    }

    /// A blank file: the header with every column in specification order, UTF-8 with a byte-order
    /// mark so that spreadsheets keep accented names right.
    public var template: String {
        CSVFormat.byteOrderMark + CSVFormat.line(columns.map(\.name))
    }
}
