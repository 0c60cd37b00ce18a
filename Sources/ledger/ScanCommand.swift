import ArgumentParser
import DataExchange
import Foundation
import Ledger

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan a Data Exchange file as a dry run: nothing is imported.",
        discussion: """
            Prints the records, how many are ready to import, the errors and warnings by code and column.
            Exit status: 0 no errors (warnings allowed), 1 records have errors, 2 the file cannot be imported, 64 wrong invocation.
            """)

    @Argument(help: "The Data Exchange file (CSV).")
    var file: String

    @OptionGroup var ledger: LedgerOptions

    @Option(help: ArgumentHelp("Write the exceptions report to this file.", valueName: "path"))
    var report: String?

    @Option(help: "The report's format: csv or json.")
    var format: ReportFormat = .csv

    @Option(name: .customLong("fix-file"), help: ArgumentHelp("Write the records with errors, and what to correct, to this file.", valueName: "path"))
    var fixFile: String?

    @Option(help: ArgumentHelp(
        "Write what approving the file would change to this file (CSV, as `ledger changes` writes it): against the ledger at --db, or an empty one.",
        valueName: "path"))
    var changes: String?

    @Option(help: ArgumentHelp("Use an amended specification file instead of the one built in.", valueName: "path"))
    var spec: String?

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func validate() throws { try validateReadableFile(file) }

    func run() async throws {
        // Exit 2: a file that cannot be read cannot be imported either.
        try reportingFailures(every: 2) {
            let specification = try spec.map { try Specification.load(contentsOf: $0) } ?? Specification.bundled()
            let source = try FileByteSource(path: file)
            var outputs = ScanOutputs(
                reports: try report.map { [try ExceptionReportWriter(path: $0, format: format)] } ?? [],
                fixFile: try fixFile.map { try FixFileWriter(path: $0) })
            // The ledger's current state when there is a ledger at `--db` (a scan never creates one);
            // otherwise every entity in the file is new.
            let opened = try ledger.location.exists() ? try ledger.open() : nil
            let state: any LedgerState = try opened?.scanState().0 ?? EmptyLedgerState()
            let scanner = Scanner(specification: specification, ledger: state)
            let summary: ScanSummary
            var changeCounts: ChangeCounts?
            if let changes {
                let output = try OutputFile(path: changes)
                let scanned = try opened.map { try $0.scanPreviewingChanges(source, name: file, with: scanner, outputs: outputs, changes: output) }
                    ?? Ledger.scanPreviewingChanges(source, name: file, with: scanner, outputs: outputs, changes: output)
                (summary, outputs, changeCounts) = (scanned.0, scanned.1, scanned.2)
            } else {
                var bar = ProgressBar(total: source.size, label: "scanning")
                summary = try scanner.scan(source, name: file, observer: &outputs) { bar.update($0) }
                bar.finish()
            }
            try outputs.finish(summary: summary)
            if json {
                print(changeCounts.map { JSONText.encode(ScanJSON(summary: summary, changes: $0)) } ?? JSONText.encode(summary))
            } else {
                print(SummaryText.render(summary, report: report, fixFile: fixFile, fileExceptions: outputs.fileExceptions))
                if let changeCounts { print("Approving it would change: \(changeCounts.sentence) (every change: \(changes ?? ""))") }
            }
            if !summary.isImportable { throw ExitCode(2) }
            if summary.errors > 0 { throw ExitCode(1) }
        }
    }
}

/// A scan's summary with what approving the file would change.
private struct ScanJSON: Encodable {
    var summary: ScanSummary
    var changes: ChangeCounts

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(changes, forKey: .changes)
        try container.encode(changes.sentence, forKey: .changesSentence)
    }

    enum Keys: String, CodingKey { case changes, changesSentence }
}

extension ReportFormat: ExpressibleByArgument {}
