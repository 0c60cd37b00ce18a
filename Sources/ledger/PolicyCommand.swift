import ArgumentParser
import DataExchange
import Foundation
import Ledger

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Show or set what happens after a dry run: a person approves, or the policy does.",
        subcommands: [ShowPolicy.self, SetPolicy.self])

    struct ShowPolicy: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Each source's approval policy, and who set it when.")
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let policies = try ledger.open().approvalPolicies()
                if options.json {
                    print(JSONText.encode(policies))
                    return
                }
                for source in IntakeSource.allCases {
                    let setting = policies.setting(of: source)
                    let who = setting.setBy.map { actor in
                        "  set by \(actor.name) <\(actor.email)>" + (setting.setAt.map { " at \(DisplayTime.text($0))" } ?? "")
                    } ?? "  (the default)"
                    print("\(source.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(setting.policy.rawValue)\(who)")
                }
            }
        }
    }

    struct SetPolicy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set the approval policy of the files from one source (ui, api or inbox).",
            discussion: """
                manual: a person approves (the default). auto-when-clean: approved at once when the file has no errors and \
                no configuration-change warnings (moves, account changes, backdated entries). auto-unless-errors: approved \
                at once when the file has no errors.
                """)

        @Argument(help: "ui, api or inbox.")
        var source: IntakeSource
        @Argument(help: "manual, auto-when-clean or auto-unless-errors.")
        var policy: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let policy = try ApprovalPolicy(named: policy)
                try ledger.open().setApprovalPolicy(policy, for: source, actor: options.actor)
                print("\(source.rawValue): \(policy.rawValue)")
            }
        }
    }
}

extension IntakeSource: ExpressibleByArgument {}
