import ArgumentParser
import DataExchange

struct CodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes", abstract: "List every exception code: severity, what it stops, meaning and fix (docs/exceptions.md).")

    func run() {
        print(ExceptionCode.documentation, terminator: "")
    }
}
