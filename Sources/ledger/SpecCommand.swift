import ArgumentParser
import DataExchange

struct SpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec", abstract: "Print the Data Exchange specification: every column with its rules.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, markdown }

    @Option(help: "csv or markdown.")
    var format: Format = .markdown

    @Option(help: "The kind of file: accounts-and-assets or id-update.")
    var kind: FileKind = .accountsAndAssets

    @Option(help: ArgumentHelp("Print an amended specification file instead of the one built in.", valueName: "path"))
    var spec: String?

    func run() throws {
        let specification = try spec.map { try Specification.load(contentsOf: $0, kind: kind) } ?? Specification.bundled(kind)
        switch format {
        case .csv: print(specification.csv, terminator: "")
        case .markdown: print(specification.markdown, terminator: "")
        }
    }
}

struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "Write a blank Data Exchange file: the header with every column in specification order.")

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "path"))
    var output: String

    @Option(help: "The kind of file: accounts-and-assets or id-update.")
    var kind: FileKind = .accountsAndAssets

    func run() throws {
        let file = try OutputFile(path: output)
        try file.write(Specification.bundled(kind).template)
        try file.flush()
    }
}

extension FileKind: ExpressibleByArgument {}
