import ArgumentParser
import DataExchange
import Foundation
import Ledger

/// The options of every command that acts on the ledger: where it is, who acts, and the output.
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

extension LedgerOptions {
    func open() throws -> Ledger { try Ledger(path: location.path) }
}

/// Runs `body`, saying a ledger failure as one line on standard error and a non-zero exit.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as LedgerError {
        FileHandle.standardError.write(Data("ledger: \(error.message)\n".utf8))
        throw ExitCode(error.code == .notFound ? 66 : error.code == .tampered ? 3 : 1)
    } catch let error as DataExchangeError {
        FileHandle.standardError.write(Data("ledger: \(error.message)\n".utf8))
        throw ExitCode(2)
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Upload a Data Exchange file and scan it as a dry run; prints the import's id. Nothing is imported until it is approved.")

    @Argument(help: "The Data Exchange file (CSV).")
    var file: String
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func validate() throws {
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("Cannot read \(file): no such file, or no permission to read it.") }
    }

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            var bar = ProgressBar(total: size, label: "scanning")
            let outcome = try ledger.importFile(at: URL(fileURLWithPath: file), actor: options.actor) { bar.update($0) }
            bar.finish()
            let summary = outcome.summary
            if options.json {
                print(JSONText.encode(ImportJSON(id: outcome.id.uuidString.lowercased(), summary: summary, sameFileAs: outcome.sameFileAs?.uuidString.lowercased())))
            } else {
                print("import \(outcome.id.uuidString.lowercased())")
                if let same = outcome.sameFileAs { print("This is the very same file as import \(same.uuidString.lowercased()), already applied: no changes.") }
                print(SummaryText.render(summary, report: nil, fixFile: nil, fileExceptions: []))
            }
        }
    }

    struct ImportJSON: Encodable {
        var id: String
        var summary: ScanSummary
        var sameFileAs: String?

        func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .id)
            try container.encodeIfPresent(sameFileAs, forKey: .sameFileAs)
        }

        enum Keys: String, CodingKey { case id, sameFileAs }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a scanned import before it is approved; nothing of it is imported.")

    @Argument(help: "The import's id (or its first eight characters or more).")
    var id: String
    @Option(help: "Why, recorded with the cancellation.")
    var reason: String?
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try ledger.importID(id)
            try ledger.cancel(importID, reason: reason, actor: options.actor)
            print(options.json ? JSONText.encode(["id": importID.uuidString.lowercased(), "status": "cancelled"]) : "import \(importID.uuidString.lowercased()) cancelled")
        }
    }
}

struct ActivityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "activity", abstract: "List the imports, newest first: the Activity List.")

    @Option(help: "How many lines.")
    var limit = 50
    @Option(help: "How many lines to skip first.")
    var offset = 0
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let entries = try ledger.open().activity(limit: limit, offset: offset)
            if options.json {
                print(JSONText.encode(entries))
                return
            }
            for entry in entries {
                let counts = [("records", entry.records), ("ready", entry.ready), ("errors", entry.errors), ("warnings", entry.warnings), ("imported", entry.imported)]
                    .compactMap { label, value in value.map { "\($0) \(label)" } }.joined(separator: ", ")
                print("\(entry.id.prefix(8))  \(entry.droppedAt)  \(entry.status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.via.uppercased())  \(entry.fileName)  by \(entry.droppedByName) <\(entry.droppedByEmail)>  \(counts)")
            }
        }
    }
}

struct ExceptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exceptions", abstract: "Print an import's exceptions report (or write it with -o).")

    @Argument(help: "The import's id.")
    var id: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file instead.", valueName: "path"))
    var output: String?
    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let report = try ledger.exceptionsReport(try ledger.importID(id))
            if let output {
                try ledger.blobs.copy(report, to: URL(fileURLWithPath: output))
            } else {
                try ledger.blobs.check(report)
                FileHandle.standardOutput.write(try Data(contentsOf: ledger.blobs.url(of: report)))
            }
        }
    }
}

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "download", abstract: "Write the original file of an import, byte for byte.")

    @Argument(help: "The import's id.")
    var id: String
    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "path"))
    var output: String
    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            try ledger.blobs.copy(try ledger.originalFile(try ledger.importID(id)), to: URL(fileURLWithPath: output))
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the whole hash chain of the log and its protections; exits 3 naming the first position that does not match.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let store = try ledger.open().store
            let total = try store.lastPosition()
            var bar = ProgressBar(total: Int(total) * 2_000, label: "verifying")
            let checked = try store.verify { done, _ in bar.update(Int(done) * 2_000) }
            bar.finish()
            print(options.json ? JSONText.encode(["events": checked]) : "The log is intact: \(checked) events, every hash matches.")
        }
    }
}

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a scanned import: apply what really changed, all or nothing.")

    @Argument(help: "The import's id (or its first eight characters or more).")
    var id: String
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let importID = try ledger.importID(id)
            let size = (try? ledger.originalFile(importID).size) ?? 0
            var bar = ProgressBar(total: size, label: "approving")
            let outcome = try ledger.approve(importID, actor: options.actor) { bar.update($0) }
            bar.finish()
            if options.json {
                print(JSONText.encode(ApprovalJSON(outcome)))
            } else {
                print("import \(outcome.id.uuidString.lowercased()) approved\(outcome.rescanned ? " (scanned again: the ledger had changed)" : "")")
                print("imported \(outcome.imported), unchanged \(outcome.unchanged), skipped \(outcome.skipped)")
            }
        }
    }

    struct ApprovalJSON: Encodable {
        var id: String, imported: Int, unchanged: Int, skipped: Int, rescanned: Bool
        init(_ outcome: Ledger.ApprovalOutcome) {
            (id, imported, unchanged, skipped, rescanned) = (outcome.id.uuidString.lowercased(), outcome.imported, outcome.unchanged, outcome.skipped, outcome.rescanned)
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every change to a register, meter, account or location: when, by whom, through which import and record.",
        discussion: "ledger history register METER_ID[:REGISTER] | meter ID | account ID | location ID [--as-of WHEN]")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case register, meter, account, location }

    @Argument(help: "register, meter, account or location.")
    var kind: Kind
    @Argument(help: "The ID (a register as METER_ID or METER_ID:L).")
    var id: String
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let position = try asOf.position(in: ledger)
            let subject: Ledger.Subject = switch kind {
            case .register: .register(id)
            case .meter: .meter(id)
            case .account: .account(id)
            case .location: .location(id)
            }
            let entries = try ledger.history(of: subject, asOf: position)
            if options.json {
                print(JSONText.encode(entries))
                return
            }
            if entries.isEmpty { print("No changes to \(kind.rawValue) \(id)\(asOf.text.map { " as of \($0)" } ?? "").") }
            for entry in entries {
                let fields = entry.fields.sorted { $0.key < $1.key }.map { name, change in "\(name): \(change.old ?? "—") → \(change.new ?? "—")" }
                print("#\(entry.position) \(SQLiteEventStoreTime.text(entry.recordedAt)) \(entry.byName) <\(entry.byEmail)> import \(entry.importID.uuidString.lowercased().prefix(8)) record \(entry.record) line \(entry.line): \(entry.kind.rawValue) \(entry.key) \(entry.created ? "created" : "changed")")
                for field in fields { print("    \(field)") }
            }
        }
    }
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
        switch text.flatMap(AsOf.parse) {
        case nil: nil
        case .position(let position): position
        case .date(let date): try ledger.position(asOf: date)
        }
    }
}

/// "As of" a log position or a time.
enum AsOf {
    case position(Int64)
    case date(Date)

    static func parse(_ text: String) -> AsOf? {
        if let position = Int64(text), position >= 0 { return .position(position) }
        return time(text, endOfDay: true).map(AsOf.date)
    }

    /// An ISO 8601 time, or a date: its start, or with `endOfDay` its end.
    static func time(_ text: String, endOfDay: Bool) -> Date? {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text).map { endOfDay ? $0.addingTimeInterval(86_399.999) : $0 }
    }
}

enum SQLiteEventStoreTime {
    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Rebuild every projection from the first event; reports events per second.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let started = ContinuousClock.now
            var bar = ProgressBar(total: Int(try ledger.store.lastPosition()) * 2_000, label: "replaying")
            let count = try ledger.replay { done, _ in bar.update(Int(done) * 2_000) }
            bar.finish()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Double(count) / seconds : 0
            print(options.json ? JSONText.encode(["events": Double(count), "seconds": seconds, "eventsPerSecond": rate])
                : String(format: "replayed %d events in %.3f s (%.0f events/s)", count, seconds, rate))
        }
    }
}

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the live ledger (SQLite's online backup), then verify the copy.")

    @Option(name: .shortAndLong, help: ArgumentHelp("The copy to write.", valueName: "path"))
    var output: String
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let events = try ledger.open().backup(to: output)
            print(options.json ? JSONText.encode(["events": events]) : "backed up \(events) events to \(output); the copy verifies")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit trail: every event as who, what, when, via, on which object, and its outcome.")

    @Option(help: ArgumentHelp("Only what this person did.", valueName: "email"))
    var user: String?
    @Option(name: .customLong("import"), help: ArgumentHelp("Only this import.", valueName: "id"))
    var importID: String?
    @Option(help: ArgumentHelp("From this time on (a date YYYY-MM-DD or an ISO 8601 time).", valueName: "when"))
    var since: String?
    @Option(help: ArgumentHelp("Until this time.", valueName: "when"))
    var until: String?
    @Option(help: "At most this many lines.")
    var limit = 10_000
    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "Print JSON instead of text.")
    var json = false

    static func time(_ text: String?, endOfDay: Bool) throws -> Date? {
        guard let text else { return nil }
        guard let date = AsOf.time(text, endOfDay: endOfDay) else { throw ValidationError("\(text) is neither a date YYYY-MM-DD nor an ISO 8601 time.") }
        return date
    }

    func validate() throws {
        _ = try Self.time(since, endOfDay: false)
        _ = try Self.time(until, endOfDay: true)
    }

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let entries = try ledger.audit(
                user: user, importID: try importID.map(ledger.importID), since: try Self.time(since, endOfDay: false),
                until: try Self.time(until, endOfDay: true), limit: limit)
            if json {
                print(JSONText.encode(entries))
                return
            }
            for entry in entries {
                print("#\(entry.position) \(SQLiteEventStoreTime.text(entry.recordedAt)) \(entry.byName) <\(entry.byEmail)> via \(entry.via): \(entry.action) \(entry.object): \(entry.outcome)")
            }
        }
    }
}

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "The current state (or as of a time): how many of each entity, or all of them with --json.")

    @OptionGroup var asOf: AsOfOption
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let state = try asOf.position(in: ledger).map(ledger.state(asOf:)) ?? ledger.currentState().0
            if options.json {
                print(JSONText.encode(Dictionary(uniqueKeysWithValues: state.entities.map { ($0.key.rawValue, $0.value) })))
            } else {
                for kind in EntityKind.allCases { print("\(kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(state.entities[kind]?.count ?? 0)") }
            }
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the current state as a Data Exchange file; importing it back changes nothing.")

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "path"))
    var output: String
    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let file = try OutputFile(path: output)
            try file.write(try ledger.currentState().0.dataExchangeFile(specification: ledger.specification))
            try file.flush()
        }
    }
}
