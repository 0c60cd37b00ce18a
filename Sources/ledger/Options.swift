import ArgumentParser
import DataExchange
import Foundation
import Ledger

/// Where the ledger lives; shared by every command that reads or writes it.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The ledger: a SQLite file, or a PostgreSQL database as postgres://user@host:port/dbname (default: $LEDGER_DB, else ledger.sqlite in the current folder).",
        valueName: "path|url"))
    var db: String?

    init() {}

    /// The ledger at `db`, as if it were given with --db.
    init(db: String) { self.db = db }

    var location: LedgerLocation {
        LedgerLocation(option: db, environment: ProcessInfo.processInfo.environment)
    }
}

/// Who acts, and how the result is printed: options of every command that records or reports.
struct ActorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Who is acting, recorded with what they do (default: the operating-system user).", valueName: "email"))
    var user: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    var actor: Actor {
        let system = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        let email = user ?? "\(system)@\(ProcessInfo.processInfo.hostName)"
        let name = user.map { String($0.prefix { $0 != "@" }) } ?? system
        return Actor(name: name, email: email, via: .cli)
    }
}

/// Refuses, before anything else runs, a file argument that cannot be read as a file.
func validateReadableFile(_ path: String) throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), FileManager.default.isReadableFile(atPath: path) else {
        throw ValidationError("Cannot read \(path): no such file, or no permission to read it.")
    }
    guard !isFolder.boolValue else { throw ValidationError("\(path) is a folder; give the Data Exchange file in it.") }
}

extension LedgerOptions {
    func open(localFolder: String? = nil) throws -> Ledger {
        var bar: ProgressBar?
        let ledger = try Ledger(location: location, localFolder: localFolder) { done, total in
            if bar == nil {
                note("this ledger's projections were made by an older version: rebuilding them from the log, once")
                bar = ProgressBar(total: Int(total), label: "rebuilding", worthABarFrom: 20_000)
            }
            bar?.update(Int(done))
        }
        bar?.finish()
        return ledger
    }
}

/// Runs `body`, saying a failure as one line on standard error and a non-zero exit: 66 for an
/// unknown import, 3 for a tampered log, 2 for a file that cannot be read, 1 otherwise; or
/// `every` for any failure, where a command's contract says so.
func reportingFailures(every: Int32? = nil, _ body: () throws -> Void) throws {
    func fail(_ message: String, _ code: Int32) -> ExitCode {
        note(message)
        return ExitCode(every ?? code)
    }
    do {
        try body()
    } catch let error as LedgerError {
        throw fail(error.message, error.code == .notFound ? 66 : error.code == .tampered ? 3 : 1)
    } catch let error as DataExchangeError {
        throw fail(error.message, 2)
    }
}

/// A line for the person at the terminal (a failure, or what a list left out), on standard
/// error: what scripts read on standard output stays the same.
func note(_ message: String) {
    FileHandle.standardError.write(Data("ledger: \(message)\n".utf8))
}

/// `--as-of WHEN`: a log position, a date (its end) or an ISO 8601 time.
struct AsOfOption: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("As things stood then: a log position, a date (YYYY-MM-DD) or an ISO 8601 time.", valueName: "when"))
    var text: String?

    func validate() throws {
        if let text, AsOf.parse(text) == nil { throw ValidationError("--as-of \(text) is neither a log position, a date YYYY-MM-DD nor an ISO 8601 time.") }
    }

    /// The log position it names; nil for now.
    func position(in ledger: Ledger) throws -> Int64? {
        try text.flatMap(AsOf.parse)?.position(in: ledger)
    }
}

enum DisplayTime {
    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}

/// How a command names an import: its id, or the first eight characters of it or more.
struct ImportIDArgument: ParsableArguments {
    @Argument(help: "The import's id, or its first eight characters or more.")
    var id: String

    func resolve(in ledger: Ledger) throws -> UUID { try ledger.importID(id) }
}

/// Runs `work` until it ends or the process is sent SIGINT or SIGTERM, which cancel it: what it
/// has in hand finishes, then it stops.
func runUntilInterrupted(_ work: @escaping @Sendable () async -> Void) async {
    let running = Task { await work() }
    let interrupts = [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { running.cancel() }
        source.resume()
        return source
    }
    await running.value
    interrupts.forEach { $0.cancel() }
}
