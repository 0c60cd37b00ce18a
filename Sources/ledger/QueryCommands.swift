import ArgumentParser
import DataExchange
import Foundation
import Ledger

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
            let ledger = try ledger.open()
            let entries = try ledger.activity(limit: limit, offset: offset)
            let total = try ledger.activityCount()
            if offset + entries.count < total {
                // On standard error, so that what scripts read stays the list itself.
                note("imports \(offset + 1) to \(offset + entries.count) of \(total), newest first: --offset \(offset + entries.count) for the next ones")
            }
            if options.json {
                print(JSONText.encode(entries))
                return
            }
            for entry in entries {
                let counts = [("records", entry.records), ("ready", entry.ready), ("errors", entry.errors), ("warnings", entry.warnings), ("imported", entry.imported)]
                    .compactMap { label, value in value.map { "\($0) \(label)" } }.joined(separator: ", ")
                print("\(entry.id.prefix(8))  \(entry.droppedAt)  \(entry.status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.via.uppercased())  \(entry.fileName)  by \(entry.droppedByName) <\(entry.droppedByEmail)>  \(counts)\(entry.decision.map { ", \($0)" } ?? "")")
            }
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every change to a register, meter, account, location or service point: when, by whom, through which import and record.",
        discussion: "ledger history register METER_ID[:REGISTER] | meter ID | account ID | location ID | service-point LOCATION_ID/SERVICE_POINT_ID [--as-of WHEN]")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case register, meter, account, location
        case servicePoint = "service-point"
    }

    @Argument(help: "register, meter, account, location or service-point.")
    var kind: Kind
    @Argument(help: "The ID (a register as METER_ID or METER_ID:L, a service point as LOCATION_ID/SERVICE_POINT_ID).")
    var id: String
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let position = try asOf.position(in: ledger)
            guard let subject = Ledger.Subject(kind: kind.rawValue, id: id) else {
                throw ValidationError(kind == .servicePoint ? "Give the service point as LOCATION_ID/SERVICE_POINT_ID." : "Give the \(kind.rawValue)'s ID.")
            }
            let entries = try ledger.history(of: subject, asOf: position)
            let periods = try ledger.periods(of: subject, in: entries, asOf: position)
            if options.json {
                print(JSONText.encode(HistoryReport(entries, periods: periods)))
                return
            }
            if entries.isEmpty { print("No changes to \(kind.rawValue) \(id)\(asOf.text.map { " as of \($0)" } ?? "").") }
            for entry in entries {
                let fields = entry.fields.sorted { $0.key < $1.key }.map { name, change in "\(name): \(change.old ?? "—") → \(change.new ?? "—")" }
                print("#\(entry.position) \(DisplayTime.text(entry.recordedAt)) \(entry.byName) <\(entry.byEmail)> import \(entry.importID.lowercasedString.prefix(8)) record \(entry.record) line \(entry.line): \(entry.kind.rawValue) \(entry.key) \(entry.previousKey.map { "renamed from \($0)" } ?? (entry.created ? "created" : entry.removed ? "removed" : "changed"))\(entry.reverts ? " (revert of the import\(entry.revertReason.map { ": \($0)" } ?? ""))" : "")")
                for field in fields { print("    \(field)") }
            }
            if !periods.isEmpty { print("Configuration periods:") }
            for period in periods {
                let until = period.until.map { "\(DisplayTime.text($0)) (#\(period.untilPosition ?? 0))" } ?? "now"
                let recorded = "recorded from \(DisplayTime.text(period.from)) (#\(period.fromPosition)) until \(until)"
                print("  \(period.subject) at \(period.configuration): \([period.fieldDates, recorded].compactMap { $0 }.joined(separator: "; "))")
            }
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
    @Option(help: ArgumentHelp("Only what changed this entity: register:METER_ID[:REGISTER], meter:ID, account:ID, location:ID or service-point:LOCATION/ID.", valueName: "kind:id"))
    var entity: String?
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
        _ = try subject()
    }

    func subject() throws -> Ledger.Subject? {
        guard let entity else { return nil }
        guard let subject = Ledger.Subject(entity) else {
            throw ValidationError("--entity \(entity) is not KIND:ID with KIND one of \(Ledger.Subject.kinds.joined(separator: ", ")).")
        }
        return subject
    }

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            // One more than asked, to tell whether the trail goes on.
            var entries = try ledger.audit(
                user: user, importID: try importID.map(ledger.importID), since: try Self.time(since, endOfDay: false),
                until: try Self.time(until, endOfDay: true), entity: try subject(), limit: min(limit, .max - 1) + 1)
            if entries.count > limit {
                entries.removeLast()
                note("the first \(limit) events, oldest first; the trail goes on after #\(entries.last?.position ?? 0): --since or a larger --limit for the rest")
            }
            if json {
                print(JSONText.encode(entries))
                return
            }
            for entry in entries {
                print("#\(entry.position) \(DisplayTime.text(entry.recordedAt)) \(entry.byName) <\(entry.byEmail)> via \(entry.via): \(entry.action) \(entry.object): \(entry.outcome)")
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
            if options.json {
                try ledger.writeStateJSON(to: OutputFile.standardOutput(), asOf: try asOf.position(in: ledger))
            } else {
                let counts = try ledger.entityCounts(asOf: try asOf.position(in: ledger))
                for kind in EntityKind.allCases { print("\(kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(counts[kind] ?? 0)") }
            }
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the current state (or the state as of a time) as a Data Exchange file; importing it back changes nothing.")

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "path"))
    var output: String
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var ledger: LedgerOptions
    @Flag(help: "Print what was written as JSON: the file, its records and its size.")
    var json = false

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            let (records, bytes) = try ledger.exportState(to: try OutputFile(path: output), asOf: try asOf.position(in: ledger))
            if json {
                print(JSONText.object([("file", .string(output)), ("records", .number(records)), ("bytes", .number(bytes))]))
            }
        }
    }
}
