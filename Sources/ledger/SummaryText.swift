import DataExchange
import Foundation

/// The scan summary as a person reads it on a terminal.
enum SummaryText {
    static func render(_ summary: ScanSummary, report: String?, fixFile: String?, fileExceptions: [ScanException]) -> String {
        let megabytes = Double(summary.bytes) / 1_000_000
        var lines = [
            "\(summary.file): \(String(format: "%.1f", megabytes)) MB, \(summary.encoding.rawValue), \(summary.kind.title) (specification \(summary.specificationVersion))",
        ]
        func row(_ label: String, _ value: Int, _ note: String = "") -> String {
            label.padding(toLength: 12, withPad: " ", startingAt: 0) + String(value).leftPadded(to: 10) + note
        }
        if !summary.isImportable {
            lines.append("The file cannot be imported: \(summary.fileErrors) file-level error\(summary.fileErrors == 1 ? "" : "s").")
        }
        for exception in fileExceptions {
            lines.append("  \(exception.severity.rawValue) \(exception.code.rawValue): \(exception.message)")
        }
        lines += [
            row("records", summary.records),
            row("ready", summary.ready),
            row("errors", summary.errors, summary.recordsWithErrors > 0 ? "  in \(summary.recordsWithErrors) records" : ""),
            row("warnings", summary.warnings),
        ]
        for (title, counts) in [("by code", summary.byCode), ("by column", summary.byColumn)] where !counts.isEmpty {
            lines.append("\(title):")
            let width = counts.keys.map(\.count).max() ?? 0
            for (key, count) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                lines.append("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + String(count).leftPadded(to: 10))
            }
        }
        let rate = summary.seconds > 0 ? megabytes / summary.seconds : 0
        lines.append(String(format: "time %.3f s (%.0f MB/s)", summary.seconds, rate))
        if let report { lines.append("report: \(report)") }
        if let fixFile { lines.append("fix file: \(fixFile)") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
