import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

/// The webhooks' API: an administrator registers, lists, tests and removes them; the secret is
/// answered once. (Who may call each route: `RouteAccessTests`.)
@Suite struct WebhooksRouteTests {
    static func jsonHeaders(_ account: UserAccount) -> HTTPFields {
        var headers = TestServer.basic(account)
        headers[.contentType] = "application/json"
        return headers
    }

    @Test func anAdministratorRegistersListsTestsAndRemovesAWebhook() async throws {
        let server = try await TestServer()
        try await server.test { server, client in
            let body = #"{"url": "http://127.0.0.1:9/hook", "events": ["import.scanned", "import.done"], "secret": "shh"}"#
            let created = try await client.execute(uri: "/v1/webhooks", method: .post, headers: Self.jsonHeaders(server.admin), body: ByteBuffer(string: body))
            #expect(created.status == .created)
            let answer = try TestServer.json(created)
            #expect(answer["secret"] as? String == "shh")
            let webhook = try #require(answer["webhook"] as? [String: Any])
            let id = try #require(webhook["id"] as? String)
            #expect(webhook["events"] as? [String] == ["import.done", "import.scanned"] && webhook["registeredBy"] as? String == "Ada Admin")

            let listed = try await client.execute(uri: "/v1/webhooks", method: .get, headers: TestServer.basic(server.admin))
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])
            #expect(list.map { $0["id"] as? String } == [id] && list.first?["secret"] == nil)

            let tested = try await client.execute(uri: "/v1/webhooks/\(id)/test", method: .post, headers: TestServer.basic(server.admin))
            #expect(tested.status == .accepted)
            let delivery = try #require(try TestServer.json(tested)["delivery"] as? String)
            let deliveries = try await client.execute(uri: "/v1/webhooks/deliveries?webhook=\(id)", method: .get, headers: TestServer.basic(server.admin))
            let lines = try #require(try JSONSerialization.jsonObject(with: Data(buffer: deliveries.body)) as? [[String: Any]])
            #expect(lines.first?["id"] as? String == delivery && lines.first?["event"] as? String == "test")

            let removed = try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: TestServer.basic(server.admin))
            #expect(removed.status == .noContent)
            #expect(try server.ledger.webhooks().isEmpty)
            let again = try await client.execute(uri: "/v1/webhooks/\(id)", method: .delete, headers: TestServer.basic(server.admin))
            #expect(again.status == .notFound)
        }
    }

    @Test(arguments: [
        #"{"url": "file:///etc/passwd", "events": ["import.done"]}"#,
        #"{"url": "https://cis.example/hook", "events": ["import.finished"]}"#,
        #"{"url": "https://cis.example/hook", "events": []}"#,
        #"{"events": ["import.done"]}"#,
    ])
    func aRegistrationThatCannotBeUsedIs400(body: String) async throws {
        let server = try await TestServer()
        try await server.test { server, client in
            let answer = try await client.execute(uri: "/v1/webhooks", method: .post, headers: Self.jsonHeaders(server.admin), body: ByteBuffer(string: body))
            #expect(answer.status == .badRequest, "\(TestServer.text(answer))")
            #expect(try server.ledger.webhooks().isEmpty)
        }
    }

    @Test func anImporterAndAnAuditorAreRefused() async throws {
        let server = try await TestServer()
        try await server.test { server, client in
            for account in [server.importer, server.auditor] {
                let body = #"{"url": "https://cis.example/hook", "events": ["import.done"]}"#
                let answer = try await client.execute(uri: "/v1/webhooks", method: .post, headers: Self.jsonHeaders(account), body: ByteBuffer(string: body))
                #expect(answer.status == .forbidden)
                let listed = try await client.execute(uri: "/v1/webhooks/deliveries", method: .get, headers: TestServer.basic(account))
                #expect(listed.status == .forbidden)
            }
            #expect(try server.ledger.webhooks().isEmpty)
        }
    }
}
