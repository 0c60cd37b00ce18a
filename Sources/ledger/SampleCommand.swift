import ArgumentParser
import DataExchange

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a realistic sample Data Exchange file, the same bytes for the same options.",
        discussion: """
            The file is one export of a made-up utility: the same --seed always gives the same utility, and --generation G is \
            a later export of it in which about --change of the service configurations changed (move-outs and move-ins, \
            meter change-outs, endpoint swaps, edits, cleared fields). --errors and --quirks add the damage that spreadsheets \
            and CIS exports do. --id-update N writes an ID Update file renaming N entities of the utility of --rows rows.
            """)

    @Option(help: "Rows (registers) in the file.")
    var rows: Int = 1_000

    @Option(name: .customLong("size-mb"), help: ArgumentHelp("About this many MiB instead of --rows, never more.", valueName: "M"))
    var sizeMB: Double?

    @Option(help: "The utility: the same seed and options always give the same file.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Share of meters that are compound (two rows, registers L and H).", valueName: "F"))
    var compound: Double = 0.03

    @Option(help: ArgumentHelp("0 is the utility's first export; G is a later one.", valueName: "G"))
    var generation: Int = 0

    @Option(help: ArgumentHelp("Share of service configurations that change from one generation to the next.", valueName: "F"))
    var change: Double = 0.05

    @Option(help: ArgumentHelp("Share of rows given one field-level mistake.", valueName: "F"))
    var errors: Double = 0

    @Flag(help: "Spreadsheet damage: a byte-order mark, CRLF line ends, values with commas, quotes and line breaks.")
    var quirks = false

    @Option(name: .customLong("id-update"), help: ArgumentHelp("Write an ID Update file renaming N entities instead.", valueName: "N"))
    var idUpdate: Int?

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write (default: standard output).", valueName: "path"))
    var output: String?

    var options: SampleOptions {
        SampleOptions(
            length: sizeMB.map { .mebibytes($0) } ?? .rows(rows), seed: seed, compoundShare: compound, generation: generation,
            changeShare: change, errorShare: errors, quirks: quirks, idUpdate: idUpdate)
    }

    func validate() throws {
        if let problem = options.problem { throw ValidationError(problem) }
    }

    func run() throws {
        try reportingFailures {
            let generator = try SampleGenerator(options: options)
            let file = try output.map { try OutputFile(path: $0) } ?? OutputFile.standardOutput()
            try generator.write { try file.write($0) }
            try file.flush()
        }
    }
}
