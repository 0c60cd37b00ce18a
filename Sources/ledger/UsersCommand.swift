import ArgumentParser
import DataExchange
import Foundation
import Ledger
import LedgerServer

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage who may sign in: add, list, disable, reset-password.",
        subcommands: [AddUser.self, ListUsers.self, DisableUser.self, ResetPassword.self])

    struct AddUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Give a person access; prints a random password unless one is given on standard input.")

        @Argument(help: "Their e-mail, which they sign in with.")
        var email: String
        @Option(help: "Their name.")
        var name: String
        @Option(help: "admin, importer or auditor.")
        var role: Role = .importer
        @OptionGroup var passwordInput: PasswordInput
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() async throws {
            let password = passwordInput.read()
            try await reportingAsyncFailures {
                let (account, made) = try await UserAdministration(ledger: try ledger.open())
                    .add(name: name, email: email, role: role, password: password, actor: options.actor)
                print("\(account.email) (\(account.role.rawValue)) can sign in" + (made.map { " with the password \($0)" } ?? ""))
            }
        }
    }

    struct ListUsers: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List everyone who was given access.")
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let users = try ledger.open().users().map(UserAdministration.Listing.init)
                if options.json {
                    print(JSONText.encode(users))
                    return
                }
                for user in users {
                    print("\(user.email)  \(user.name)  \(user.role)\(user.disabled ? "  disabled" : "")  last sign-in \(user.lastSignInAt ?? "never")")
                }
            }
        }
    }

    struct DisableUser: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Withdraw a person's access; what they did stays in the log.")
        @Argument(help: "Their e-mail.")
        var email: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let ledger = try ledger.open()
                try ledger.disableUser(try UsersCommand.account(email, in: ledger).id, actor: options.actor)
                print("\(email) can no longer sign in.")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Give a person a new password; prints a random one unless one is given on standard input.")
        @Argument(help: "Their e-mail.")
        var email: String
        @OptionGroup var passwordInput: PasswordInput
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() async throws {
            let password = passwordInput.read()
            try await reportingAsyncFailures {
                let ledger = try ledger.open()
                let account = try UsersCommand.account(email, in: ledger)
                let chosen = try await UserAdministration(ledger: ledger).resetPassword(account.id, to: password, actor: options.actor)
                print("\(email) now signs in with " + (password == nil ? "the password \(chosen)" : "the password given"))
            }
        }
    }

    static func account(_ email: String, in ledger: Ledger) throws -> UserAccount {
        guard let account = try ledger.user(email: email) else { throw LedgerError(.notFound, "Nobody signs in as \(email).") }
        return account
    }
}

/// `--password-stdin`: a password given on standard input, never on the command line where
/// other users of the machine could see it.
struct PasswordInput: ParsableArguments {
    @Flag(help: "Read the password from standard input instead of making a random one.")
    var passwordStdin = false

    /// The password read, or nil for a random one.
    func read() -> String? { passwordStdin ? readLine(strippingNewline: true) : nil }
}

extension Role: ExpressibleByArgument {}

/// `reportingFailures` for async work, with the same exit statuses.
func reportingAsyncFailures(_ body: () async throws -> Void) async throws {
    var failure: (any Error)?
    do { try await body() } catch { failure = error }
    if let failure { try reportingFailures { throw failure } }
}
