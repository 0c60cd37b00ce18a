import ArgumentParser
import DataExchange
import Foundation
import Ledger

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Upload a Data Exchange file and scan it as a dry run; prints the import's id. Nothing is imported until it is approved.")

    @Argument(help: "The Data Exchange file (CSV).")
    var file: String
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func validate() throws { try validateReadableFile(file) }

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            var bar = ProgressBar(total: size, label: "scanning")
            let outcome = try ledger.importFile(at: URL(fileURLWithPath: file), actor: options.actor) { bar.update($0) }
            bar.finish()
            let summary = outcome.summary
            if options.json {
                print(JSONText.encode(ImportJSON(
                    id: outcome.id.lowercasedString, summary: summary, sameFileAs: outcome.sameFileAs?.lowercasedString, changes: outcome.changes?.counts)))
            } else {
                print("import \(outcome.id.lowercasedString)")
                if let same = outcome.sameFileAs { print("This is the very same file as import \(same.lowercasedString), already applied: no changes.") }
                print(SummaryText.render(summary, report: nil, fixFile: nil, fileExceptions: []))
                if let changes = outcome.changes { print("Approving it changes: \(changes.counts.sentence) (ledger changes \(outcome.id.lowercasedString))") }
            }
        }
    }

    struct ImportJSON: Encodable {
        var id: String
        var summary: ScanSummary
        var sameFileAs: String?
        var changes: ChangeCounts?

        func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .id)
            try container.encodeIfPresent(sameFileAs, forKey: .sameFileAs)
            try container.encodeIfPresent(changes, forKey: .changes)
            try container.encodeIfPresent(changes?.sentence, forKey: .changesSentence)
        }

        enum Keys: String, CodingKey { case id, sameFileAs, changes, changesSentence }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a scanned import before it is approved; nothing of it is imported.")

    @OptionGroup var id: ImportIDArgument
    @Option(help: "Why, recorded with the cancellation.")
    var reason: String?
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try id.resolve(in: ledger)
            try ledger.cancel(importID, reason: reason, actor: options.actor)
            print(options.json ? JSONText.encode(["id": importID.lowercasedString, "status": "cancelled"]) : "import \(importID.lowercasedString) cancelled")
        }
    }
}

struct RevertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert",
        abstract: "Take back an imported import: every value it set put back, every entity it created removed, every rename undone.",
        discussion: """
            Refused, changing nothing, when a later change touched a value the import set: the \
            conflicts are listed (exit 4); revert the later import first.
            """)

    @OptionGroup var id: ImportIDArgument
    @Option(help: "Why, recorded with the revert and shown in the histories.")
    var reason: String
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try id.resolve(in: ledger)
            do {
                let outcome = try ledger.revert(importID, reason: reason, actor: options.actor)
                print(options.json
                    ? JSONText.object([
                        ("id", .string(importID.lowercasedString)), ("status", .string("reverted")), ("records", .number(outcome.records)),
                        ("entities", .number(outcome.entities)),
                    ])
                    : "import \(importID.lowercasedString) reverted: the changes of \(outcome.records) record(s) to \(outcome.entities) entities put back")
            } catch let refused as RevertConflicts {
                if options.json {
                    print(JSONText.encode(RevertRefusalJSON(id: importID.lowercasedString, conflicts: refused.conflicts)))
                } else {
                    for conflict in refused.conflicts { print(conflict.description) }
                }
                note(refused.description)
                throw ExitCode(4)
            }
        }
    }

    struct RevertRefusalJSON: Encodable {
        var id: String
        var status = "conflicts"
        var conflicts: [RevertConflict]
    }
}

struct ExceptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exceptions", abstract: "Print an import's exceptions report (or write it with -o): CSV as stored, or JSON.")

    @OptionGroup var id: ImportIDArgument
    @Option(help: "csv (the stored report, byte for byte) or json (its lines, with the import's counts).")
    var format: ReportFormat = .csv
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file instead.", valueName: "path"))
    var output: String?
    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "The same as --format json.")
    var json = false

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try id.resolve(in: ledger)
            let scan = try ledger.scan(of: importID)
            let report = try ledger.blobs.checkedFile(of: scan.report)
            switch json ? .json : format {
            case .csv:
                if let output {
                    try ledger.blobs.copy(scan.report, to: URL(fileURLWithPath: output))
                } else {
                    FileHandle.standardOutput.write(try Data(contentsOf: report))
                }
            case .json:
                // Written a line at a time: a report may hold a million exceptions. The object of
                // the counts is left open (its closing brace dropped) for the lines to follow.
                let file = try output.map(OutputFile.init(path:)) ?? .standardOutput()
                let counts = JSONText.object([
                    ("id", .string(importID.lowercasedString)), ("errors", .number(scan.errors)), ("warnings", .number(scan.warnings)),
                ])
                try file.write(counts.dropLast() + ",\"exceptions\":[")
                var first = true
                try ExceptionReportReader.forEachLine(inFileAt: report.path) { line in
                    try file.write((first ? "\n" : ",\n") + JSONText.object(line.jsonFields))
                    first = false
                }
                try file.write("\n]}\n")
                try file.flush()
            }
        }
    }
}

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "download", abstract: "Write the original file of an import, byte for byte.")

    @OptionGroup var id: ImportIDArgument
    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "path"))
    var output: String
    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "Print what was written as JSON: the import's id, the file, its size and SHA-256.")
    var json = false

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try id.resolve(in: ledger)
            let original = try ledger.originalFile(importID)
            try ledger.blobs.copy(original, to: URL(fileURLWithPath: output))
            if json {
                print(JSONText.object([
                    ("id", .string(importID.lowercasedString)), ("file", .string(output)), ("bytes", .number(original.size)),
                    ("sha256", .string(original.sha256)),
                ]))
            }
        }
    }
}

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a scanned import: apply what really changed, all or nothing.")

    @OptionGroup var id: ImportIDArgument
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try id.resolve(in: ledger)
            let size = (try? ledger.originalFile(importID).size) ?? 0
            var bar = ProgressBar(total: size, label: "approving")
            let outcome = try ledger.approve(importID, actor: options.actor) { bar.update($0) }
            bar.finish()
            if options.json {
                print(JSONText.encode(ApprovalJSON(outcome)))
            } else {
                if outcome.rescanned {
                    print("The ledger changed since the dry run: the file was scanned and its changes worked out again before anything was applied.")
                }
                print("import \(outcome.id.lowercasedString) approved\(outcome.rescanned ? " (scanned again: the ledger had changed)" : "")")
                if let changes = outcome.changes { print("changed: \(changes.sentence)") }
                print("imported \(outcome.imported), unchanged \(outcome.unchanged), skipped \(outcome.skipped)")
            }
        }
    }

    struct ApprovalJSON: Encodable {
        var id: String, imported: Int, unchanged: Int, skipped: Int, rescanned: Bool, changes: ChangeCounts?
        init(_ outcome: Ledger.ApprovalOutcome) {
            (id, imported, unchanged, skipped, rescanned, changes) = (
                outcome.id.lowercasedString, outcome.imported, outcome.unchanged, outcome.skipped, outcome.rescanned, outcome.changes
            )
        }
    }
}
