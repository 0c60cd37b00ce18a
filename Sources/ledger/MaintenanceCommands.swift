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
