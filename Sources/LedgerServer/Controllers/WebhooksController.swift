import Foundation
import Hummingbird
import Ledger
import Webhooks

/// The webhooks' API, for administrators: register, list, remove, their deliveries, and a test
/// event. The same operations as `ledger webhooks`.
struct WebhooksController {
    let ledger: ServedLedger
    let dispatcher: WebhookDispatcher

    struct Registration: Decodable {
        var url: String
        var events: [String]
        var secret: String?
    }

    /// A webhook just registered, with its secret: the one time it is shown.
    struct Registered: Encodable {
        var webhook: WebhookRegistration
        var secret: String
    }

    struct TestQueued: Encodable {
        var delivery: String
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        let api = router.group("v1/webhooks")
        api.get { _, context in
            _ = try context.require(.changeSettings)
            return try JSONResponse.encode(try await ledger.run { try $0.webhooks() })
        }
        api.post { request, context in
            let actor = try context.actor(requiring: .changeSettings)
            let body = try await request.decode(as: Registration.self, context: context)
            let (webhook, secret) = try await ledger.run { try $0.registerWebhook(url: body.url, events: body.events, secret: body.secret, actor: actor) }
            return try JSONResponse.encode(Registered(webhook: webhook, secret: secret), status: .created)
        }
        api.get("deliveries") { request, context in
            _ = try context.require(.changeSettings)
            let webhook = try request.uri.queryParameters["webhook"].map { try Self.webhookID(String($0)) }
            let limit = request.uri.queryParameters["limit"].flatMap { Int(String($0)) }.map { min(max($0, 1), 1_000) } ?? 100
            return try JSONResponse.encode(try await ledger.run { try $0.webhookDeliveries(of: webhook, limit: limit) })
        }
        api.delete("{id}") { _, context in
            let actor = try context.actor(requiring: .changeSettings)
            let id = try Self.webhookID(try context.parameters.require("id"))
            try await ledger.run { try $0.removeWebhook(id, actor: actor) }
            return Response(status: .noContent)
        }
        api.post("{id}/test") { _, context in
            let actor = try context.actor(requiring: .changeSettings)
            let id = try Self.webhookID(try context.parameters.require("id"))
            let delivery = try await ledger.run { try $0.sendTestEvent(to: id, actor: actor) }
            dispatcher.wake()
            return try JSONResponse.encode(TestQueued(delivery: delivery.lowercasedString), status: .accepted)
        }
    }

    static func webhookID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw ServerError(.notFound, "There is no webhook \(text).") }
        return id
    }
}
