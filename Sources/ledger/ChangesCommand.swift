import ArgumentParser
import DataExchange
import Foundation
import Ledger

struct ChangesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "Print what approving an import changes, as its dry run worked it out: every entity's change, with each field's old and new value.",
        discussion: """
            Groups: \(ChangeGroup.allCases.map(\.rawValue).joined(separator: ", ")).
            CSV has one row per field: group, kind, entity, previous_entity, record, line, created, column, old, new.
            JSON has the counts, then the lines.
            """)

    @OptionGroup var id: ImportIDArgument
    @Option(help: "Only the changes of this group.")
    var group: ChangeGroup?
    @Option(help: ArgumentHelp("Only the changes that touch this column.", valueName: "name"))
    var column: String?
    @Option(help: "csv (one row per field) or json (the counts, then the lines).")
    var format: ReportFormat = .csv
    @Flag(help: "The same as --format json.")
    var json = false
    @Flag(help: "The changes its approval appended to the log instead, read back from the events and grouped the same way: to check them against the preview.")
    var applied = false
    @Option(name: .shortAndLong, help: ArgumentHelp("Write them to this file instead.", valueName: "path"))
    var output: String?
    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try id.resolve(in: ledger)
            let file = try output.map(OutputFile.init(path:)) ?? .standardOutput()
            if applied {
                try writeApplied(of: importID, in: ledger, to: file)
                return
            }
            let preview = try ledger.requiredChangePreview(of: importID)
            switch json ? .json : format {
            case .csv:
                try ledger.writeChangesCSV(of: importID, group: group, column: column, to: file)
            case .json:
                // A line at a time: a first import's preview holds a million of them. The object
                // is left open (its closing brace dropped) for the lines to follow.
                let head = JSONText.encode(PreviewJSON(id: importID.lowercasedString, sentence: preview.counts.sentence, counts: preview.counts))
                try file.write(head.dropLast() + ",\"changes\":[")
                var first = true
                try ledger.forEachChange(of: importID, group: group, column: column) { line in
                    try file.write((first ? "\n" : ",\n") + JSONText.encode(line))
                    first = false
                    return true
                }
                try file.write("\n]}\n")
            }
            try file.flush()
        }
    }

    /// The applied changes, read back from the log: CSV as the preview's, or JSON with their counts last.
    private func writeApplied(of id: UUID, in ledger: Ledger, to file: OutputFile) throws {
        switch json ? .json : format {
        case .csv:
            try ChangeLine.writeCSVHeader(to: file)
            _ = try ledger.appliedChanges(of: id, group: group, column: column) { line in try line.writeCSV(to: file) }
        case .json:
            try file.write("{\"changes\":[")
            var first = true
            let counts = try ledger.appliedChanges(of: id, group: group, column: column) { line in
                try file.write((first ? "\n" : ",\n") + JSONText.encode(line))
                first = false
            }
            let tail = JSONText.encode(PreviewJSON(id: id.lowercasedString, sentence: counts.sentence, counts: counts))
            try file.write("\n]," + tail.dropFirst() + "\n")
        }
        try file.flush()
    }

    struct PreviewJSON: Encodable {
        var id: String
        var sentence: String
        var counts: ChangeCounts
    }
}

extension ChangeGroup: ExpressibleByArgument {}
