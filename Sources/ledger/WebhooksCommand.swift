import ArgumentParser
import DataExchange
import Foundation
import Ledger
import Logging
import Webhooks

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Send import events to other systems: add, list, remove, deliveries, test, deliver.",
        subcommands: [AddWebhook.self, ListWebhooks.self, RemoveWebhook.self, ListDeliveries.self, TestWebhook.self, Deliver.self])

    struct AddWebhook: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Register a URL to be sent the events named; prints the secret its deliveries are signed with, once.")
        @Argument(help: "Where the events are POSTed: an http:// or https:// URL.")
        var url: String
        @Option(help: ArgumentHelp(
            "The events to send, separated by commas: \(WebhookEventName.subscribable.joined(separator: ", ")).", valueName: "names"))
        var events: String
        @Option(help: "The secret to sign with (default: a random one).")
        var secret: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let (webhook, secret) = try ledger.open().registerWebhook(
                    url: url, events: events.split(separator: ",").map(String.init), secret: secret, actor: options.actor)
                if options.json {
                    print(JSONText.object([("id", .string(webhook.id.lowercasedString)), ("url", .string(webhook.url)), ("secret", .string(secret))]))
                    return
                }
                print("webhook \(webhook.id.lowercasedString) sends \(webhook.events.joined(separator: ", ")) to \(webhook.url)")
                print("Its deliveries are signed with the secret \(secret) (shown once; see docs/api.md, \"Checking a signature\").")
            }
        }
    }

    struct ListWebhooks: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the webhooks in use.")
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let webhooks = try ledger.open().webhooks()
                if options.json {
                    print(JSONText.encode(webhooks))
                    return
                }
                for webhook in webhooks {
                    print("\(webhook.id.lowercasedString)  \(webhook.url)  \(webhook.events.joined(separator: ","))  by \(webhook.registeredBy) at \(DisplayTime.text(webhook.registeredAt))")
                }
            }
        }
    }

    struct RemoveWebhook: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop sending anything to a webhook, pending deliveries included.")
        @Argument(help: "The webhook's id.")
        var id: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                try ledger.open().removeWebhook(try WebhooksCommand.webhookID(id), actor: options.actor)
                print("webhook \(id) removed")
            }
        }
    }

    struct ListDeliveries: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "List the deliveries, newest first, and what came of them.")
        @Argument(help: "Only this webhook's (its id).")
        var id: String?
        @Option(help: "How many to list at most.")
        var limit = 50
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let deliveries = try ledger.open().webhookDeliveries(of: try id.map(WebhooksCommand.webhookID), limit: limit)
                if options.json {
                    print(JSONText.encode(deliveries))
                    return
                }
                for delivery in deliveries {
                    let outcome = switch delivery.outcome {
                    case .delivered(let at): "delivered \(DisplayTime.text(at))"
                    case .gaveUp: "given up"
                    case .pending(let next): next.map { "next attempt \(DisplayTime.text($0))" } ?? "pending"
                    }
                    let last = delivery.lastAnswer ?? ""
                    print("\(delivery.id.lowercasedString)  \(delivery.event)  \(delivery.importID.map { "import \($0.lowercasedString.prefix(8))" } ?? "-")  \(outcome)  attempts \(delivery.attempts)\(last.isEmpty ? "" : "  last: \(last)")")
                }
            }
        }
    }

    struct TestWebhook: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "test", abstract: "Send a webhook a test event, delivered like the others.")
        @Argument(help: "The webhook's id.")
        var id: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() throws {
            try reportingFailures {
                let delivery = try ledger.open().sendTestEvent(to: try WebhooksCommand.webhookID(id), actor: options.actor)
                print("test event queued as delivery \(delivery.lowercasedString); `ledger serve` or `ledger webhooks deliver` sends it")
            }
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deliver", abstract: "Send the webhooks' deliveries until interrupted, on a host where no `ledger serve` runs.")
        @Option(help: ArgumentHelp("The server's address as receivers reach it, for the links in the deliveries.", valueName: "url"))
        var publicURL = "http://127.0.0.1:8080"
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var options: ActorOptions

        func run() async throws {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            let opened = try ledger.open()
            let dispatcher = WebhookDispatcher(
                ledger: opened, configuration: .init(publicURL: publicURL, actor: options.actor), logger: Logger(label: "ledger-webhooks"))
            note("delivering the webhooks of \(ledger.location.shownName); stop with Ctrl-C")
            await runUntilInterrupted { await dispatcher.run() }
        }
    }

    static func webhookID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw LedgerError(.notFound, "There is no webhook \(text); give its whole id.") }
        return id
    }
}
