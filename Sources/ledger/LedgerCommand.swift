import ArgumentParser
import Foundation
import Ledger

@main
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The Data Exchange import ledger: scan, import and audit the files a utility's CIS exports.",
        subcommands: [
            ScanCommand.self, ImportCommand.self, ApproveCommand.self, CancelCommand.self, RevertCommand.self, HistoryCommand.self, ActivityCommand.self, ExceptionsCommand.self, ChangesCommand.self, DownloadCommand.self,
            StateCommand.self, ExportCommand.self, AuditCommand.self, VerifyCommand.self, ReplayCommand.self, BackupCommand.self, MigrateCommand.self, GrantCommand.self, SpecCommand.self, TemplateCommand.self, SampleCommand.self, CodesCommand.self, ServeCommand.self, WatchCommand.self, UsersCommand.self, PolicyCommand.self, WebhooksCommand.self,
        ])
}
