import Foundation
import Hummingbird
import Ledger
import Webhooks

/// The administrator's Settings page: each source's approval policy, the webhooks and their
/// deliveries. The same operations as `ledger policy`, `ledger webhooks`, `/v1/policy` and
/// `/v1/webhooks`.
struct SettingsController {
    let ledger: ServedLedger
    let pages: PageRenderer
    let dispatcher: WebhookDispatcher
    /// How many of the latest deliveries the page lists.
    static let deliveriesShown = 50

    struct SettingsPage {
        struct PolicyLine {
            struct Choice {
                var name: String
                var selected: Bool
            }
            var source: String
            var label: String
            var choices: [Choice]
            var setBy: String
        }
        struct WebhookLine {
            var id: String
            var url: String
            var events: String
            var registered: String
        }
        struct DeliveryLine {
            var occurredAt: String
            var url: String
            var event: String
            var importID: String
            var attempts: Int
            /// `delivered`, `pending` or `gave-up`.
            var state: String
            var outcome: String
        }
        var page: PageFrame
        var policies: [PolicyLine]
        var webhooks: [WebhookLine]
        var eventNames: [String]
        var deliveries: [DeliveryLine]
        var notice: String?
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("admin/settings") { _, context in
            _ = try context.require(.changeSettings)
            return try await page(context, notice: nil)
        }
        router.post("admin/settings/policy") { request, context in
            let admin = try context.require(.changeSettings)
            let form = try await UsersController.form(request)
            guard let source = IntakeSource(rawValue: try form.require("source")) else { throw ServerError(.badRequest, "A source is ui, api or inbox.") }
            let policy = try ApprovalPolicy(named: try form.require("policy"))
            try await ledger.run { try $0.setApprovalPolicy(policy, for: source, actor: admin.actor(via: .ui)) }
            return try await page(context, notice: "Files from \(Self.label(of: source)) now follow the policy \(policy.rawValue).")
        }
        router.post("admin/settings/webhooks") { request, context in
            let admin = try context.require(.changeSettings)
            let form = try await UsersController.form(request)
            let events = WebhookEventName.subscribable.filter { form["event-\($0)"] != nil }
            let secret = form["secret"].flatMap { $0.isEmpty ? nil : $0 }
            let (webhook, made) = try await ledger.run {
                try $0.registerWebhook(url: try form.require("url"), events: events, secret: secret, actor: admin.actor(via: .ui))
            }
            return try await page(context, notice: "\(webhook.url) is sent \(webhook.events.joined(separator: ", ")), signed with the secret \(made) (shown once).")
        }
        router.post("admin/settings/webhooks/{id}/test") { _, context in
            let admin = try context.require(.changeSettings)
            let id = try WebhooksController.webhookID(try context.parameters.require("id"))
            let url = try await ledger.run { ledger in
                try ledger.sendTestEvent(to: id, actor: admin.actor(via: .ui))
                return try ledger.webhook(id).url
            }
            dispatcher.wake()
            return try await page(context, notice: "A test event is on its way to \(url); its delivery is listed below.")
        }
        router.post("admin/settings/webhooks/{id}/remove") { _, context in
            let admin = try context.require(.changeSettings)
            let id = try WebhooksController.webhookID(try context.parameters.require("id"))
            let url = try await ledger.run { ledger in
                let url = try ledger.webhook(id).url
                try ledger.removeWebhook(id, actor: admin.actor(via: .ui))
                return url
            }
            return try await page(context, notice: "\(url) is sent nothing more.")
        }
    }

    private static func label(of source: IntakeSource) -> String {
        switch source {
        case .ui: "the Assets page"
        case .api: "the import API"
        case .inbox: "the inbox folder"
        }
    }

    private func page(_ context: LedgerRequestContext, notice: String?) async throws -> Response {
        let policies = try await ledger.run { try $0.approvalPolicies() }
        let lines = IntakeSource.allCases.map { source in
            let setting = policies.setting(of: source)
            return SettingsPage.PolicyLine(
                source: source.rawValue, label: Self.label(of: source),
                choices: ApprovalPolicy.allCases.map { .init(name: $0.rawValue, selected: $0 == setting.policy) },
                setBy: setting.setBy.map { "set by \($0.name) <\($0.email)>" + (setting.setAt.map { ", \(DisplayTime.text($0))" } ?? "") } ?? "the default")
        }
        let (webhooks, deliveries) = try await ledger.run { ledger in
            (try ledger.webhooks(), try ledger.webhookDeliveries(limit: Self.deliveriesShown))
        }
        let urls = Dictionary(webhooks.map { ($0.id, $0.url) }, uniquingKeysWith: { first, _ in first })
        return try pages.render("settings", SettingsPage(
            page: PageFrame(title: "Settings", tab: "settings", context: context), policies: lines,
            webhooks: webhooks.map {
                .init(id: $0.id.lowercasedString, url: $0.url, events: $0.events.joined(separator: ", "),
                      registered: "\($0.registeredBy), \(DisplayTime.text($0.registeredAt))")
            },
            eventNames: WebhookEventName.subscribable, deliveries: deliveries.map { Self.line(of: $0, url: urls[$0.webhookID] ?? "") }, notice: notice))
    }

    private static func line(of delivery: WebhookDelivery, url: String) -> SettingsPage.DeliveryLine {
        let outcome = switch delivery.outcome {
        case .delivered(let at): "delivered \(DisplayTime.text(at))"
        case .gaveUp: "given up" + (delivery.lastAnswer.map { ": \($0)" } ?? "")
        case .pending(let next): (delivery.lastAnswer.map { "\($0); " } ?? "") + (next.map { "next attempt \(DisplayTime.text($0))" } ?? "on its way")
        }
        return .init(
            occurredAt: DisplayTime.text(delivery.occurredAt), url: url, event: delivery.event, importID: delivery.importID.map { String($0.lowercasedString.prefix(8)) } ?? "",
            attempts: delivery.attempts, state: delivery.outcome.name, outcome: outcome)
    }
}
