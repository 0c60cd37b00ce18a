import ArgumentParser
import Dispatch
import Foundation
import Ledger
import LedgerServer

/// `ledger watch DIR`: the inbox without a server, for a host that only receives files.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Import every file that lands in a folder, once it has stopped growing: once each, via inbox; moved to DIR/accepted or DIR/rejected with its report. Runs until interrupted.")

    @Argument(help: ArgumentHelp("The inbox folder.", valueName: "dir"))
    var directory: String
    @Option(help: ArgumentHelp("Which files are taken, regardless of case.", valueName: "glob"))
    var mask = "*.csv"
    @Flag(help: "Take a file only once NAME.done is there (moved along with it), instead of once it has stopped growing.")
    var doneMarker = false
    @Option(help: ArgumentHelp("How long a file's size and time must stand still before it is taken.", valueName: "seconds"))
    var settle = 0.5
    @Option(help: ArgumentHelp("Whom the imports are recorded as: an enabled user who may import.", valueName: "email"))
    var user = InboxSettings.standardServiceUser
    @OptionGroup var ledger: LedgerOptions

    func validate() throws {
        try validateInboxFolder(directory)
        guard settle >= 0, settle < 86_400 else { throw ValidationError("--settle \(settle) is not a number of seconds from 0 to a day.") }
    }

    func run() async throws {
        let opened = try ledger.open()
        var actor: Actor?
        try reportingFailures { actor = try Inbox.serviceActor(email: user, in: opened) }
        guard let actor else { return }
        let inbox = Inbox(ledger: opened, configuration: Inbox.Configuration(
            folder: URL(fileURLWithPath: directory), mask: mask, waitsForDoneMarker: doneMarker, settleInterval: .milliseconds(Int(settle * 1_000)),
            actor: actor))
        say("ledger watching \(directory) for \(mask), importing as \(user) into \(ledger.location.shownName)")
        await runUntilInterrupted {
            await inbox.run { event in
                switch event {
                case .taken(let intake): say(Self.line(intake, in: directory))
                case .deferred(let fileName, let reason): note("\(fileName) left for later: \(reason)")
                }
            }
        }
        say("ledger stopped watching \(directory)")
    }

    /// One line per file: where it went, its import, and what its scan found.
    static func line(_ intake: Intake, in directory: String) -> String {
        var parts = [intake.rejected ? "rejected" : "accepted", intake.fileName]
        if let id = intake.importID { parts.append("import \(id.lowercasedString)") }
        if let status = intake.status { parts.append(status.rawValue) }
        if let records = intake.records, let errors = intake.errors {
            parts.append("\(records) records, \(errors) errors" + (intake.fileErrors.map { $0 > 0 ? ", \($0) file-level" : "" } ?? ""))
        }
        if intake.recognised { parts.append("(imported before a restart, not again)") }
        if let reason = intake.reason { parts.append("reason: \(reason)") }
        let movedTo = intake.movedTo.deletingLastPathComponent().lastPathComponent + "/" + intake.movedTo.lastPathComponent
        return parts.joined(separator: "  ") + "  -> " + movedTo
    }
}

/// A line on standard output at once, not when a buffer fills: whoever reads it follows the files.
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Refuses an inbox that is not a folder this process can read and write (it moves files out).
func validateInboxFolder(_ path: String) throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(path) is not a folder; create it first, or give the inbox folder.")
    }
    guard FileManager.default.isReadableFile(atPath: path), FileManager.default.isWritableFile(atPath: path) else {
        throw ValidationError("Cannot read and write \(path): the inbox moves its files to accepted/ and rejected/ inside it.")
    }
}
