import ArgumentParser
import DataExchange
import Foundation
import Ledger

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the whole hash chain of the log and its protections; exits 3 naming the first position that does not match.")

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let ledger = try ledger.open()
            var bar = ProgressBar(total: Int(try ledger.lastPosition()), label: "verifying", worthABarFrom: 20_000)
            let checked = try ledger.verify { done, _ in bar.update(Int(done)) }
            bar.finish()
            print(options.json ? JSONText.encode(["events": checked]) : "The log is intact: \(checked) events, every hash matches.")
        }
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
            var bar = ProgressBar(total: Int(try ledger.lastPosition()), label: "replaying", worthABarFrom: 20_000)
            let count = try ledger.replay { done, _ in bar.update(Int(done)) }
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
            let ledger = try ledger.open()
            var bar: ProgressBar?
            var step: Ledger.BackupStep?
            let events = try ledger.backup(to: output) { current, done, total in
                if current != step {
                    bar?.finish()
                    // Database pages (16 KB each, 4 KB in ledgers made before that), then events.
                    bar = current == .copying
                        ? ProgressBar(total: total, label: "backing up", worthABarFrom: 256) : ProgressBar(total: total, label: "verifying", worthABarFrom: 20_000)
                    step = current
                }
                bar?.update(done)
            }
            bar?.finish()
            print(options.json ? JSONText.encode(["events": events]) : "backed up \(events) events to \(output); the copy verifies")
        }
    }
}

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a ledger, whole, into an empty database (a SQLite ledger into PostgreSQL): its stored files, then its log exactly as it is; the copy's chain is verified and its projections rebuilt.",
        discussion: "ledger migrate --to postgres://user@host:5432/ledger [--from ledger.sqlite]")

    @Option(help: ArgumentHelp("The empty database to copy into: postgres://user@host:port/dbname, or a SQLite file.", valueName: "url"))
    var to: String
    @Option(help: ArgumentHelp("The ledger to copy (default: --db, $LEDGER_DB, else ledger.sqlite in the current folder).", valueName: "path"))
    var from: String?
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var options: ActorOptions

    func run() throws {
        try reportingFailures {
            let source = try (from.map { LedgerOptions(db: $0) } ?? ledger).open()
            let target = try LedgerOptions(db: to).open()
            var bar: ProgressBar?
            var step: Ledger.MigrationStep?
            let report = try source.migrate(to: target) { current, done, total in
                if current != step {
                    bar?.finish()
                    let label = switch current {
                    case .files: "copying files"
                    case .events: "copying events"
                    case .verifying: "verifying"
                    case .rebuilding: "rebuilding"
                    }
                    bar = ProgressBar(total: Int(total), label: label, worthABarFrom: current == .files ? 20 : 20_000)
                    step = current
                }
                bar?.update(Int(done))
            }
            bar?.finish()
            if options.json {
                print(JSONText.encode(report))
                return
            }
            print("copied \(report.files) stored files and \(report.events) events from \(source.location.shownName) to \(target.location.shownName); the copy verifies")
            print(String(repeating: " ", count: 18) + "from".padding(toLength: 12, withPad: " ", startingAt: 0) + "to")
            func line(_ name: String, _ from: Int64, _ to: Int64) {
                print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(from).padding(toLength: 12, withPad: " ", startingAt: 0) + String(to)
                    + (from == to ? "" : "   differs"))
            }
            line("events", report.source.events, report.target.events)
            line("imports", Int64(report.source.imports), Int64(report.target.imports))
            line("users", Int64(report.source.users), Int64(report.target.users))
            for kind in Set(report.source.entities.keys).union(report.target.entities.keys).sorted() {
                line(kind, Int64(report.source.entities[kind] ?? 0), Int64(report.target.entities[kind] ?? 0))
            }
        }
    }
}

struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Give a PostgreSQL role what `ledger serve` needs, and on the log and the stored files only SELECT and INSERT; run it as the database's owner.",
        discussion: "ledger grant ledger_server --db postgres://owner@host:5432/ledger, then each server: ledger serve --db postgres://ledger_server@host:5432/ledger")

    @Argument(help: "The role the servers connect as.")
    var role: String
    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        try reportingFailures {
            try ledger.open().grantServerAccess(to: role)
            print("\(role) may now serve this ledger; on the log and the stored files it may only read and add.")
        }
    }
}
