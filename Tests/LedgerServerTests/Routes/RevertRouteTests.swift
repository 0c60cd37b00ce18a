import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

/// `POST /v1/bde/import/{id}/revert` and the Activity List's Revert Import button: an admin's
/// only, with a reason; conflicts are listed and change nothing.
@Suite struct RevertRouteTests {
    static func approved(_ content: String, as account: UserAccount, client: some TestClientProtocol) async throws -> String {
        let id = try await TestServer.uploadAndWait(content, as: account, client: client)
        var headers = TestServer.basic(account)
        headers[.contentType] = "application/json"
        _ = try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#))
        _ = try await TestServer.waitFor(id, stage: "imported", as: account, client: client)
        return id
    }

    static func revert(_ id: String, reason: String = "wrong cycle", as account: UserAccount, client: some TestClientProtocol) async throws -> TestResponse {
        var headers = TestServer.basic(account)
        headers[.contentType] = "application/json"
        return try await client.execute(
            uri: "/v1/bde/import/\(id)/revert", method: .post, headers: headers, body: ByteBuffer(string: #"{"reason": "\#(reason)"}"#))
    }

    @Test func anAdminRevertsAnImportAndTheOtherRolesAreRefused() async throws {
        try await TestServer().test { server, client in
            let id = try await Self.approved(TestServer.exportFile(good: 2), as: server.importer, client: client)
            for account in [server.importer, server.auditor] {
                let refused = try await Self.revert(id, as: account, client: client)
                #expect(refused.status == .forbidden)
                #expect(try server.ledger.activityEntry(UUID(uuidString: id)!).status == "imported")
            }
            #expect(try await Self.revert(id, reason: "", as: server.admin, client: client).status == .badRequest)

            let reverted = try await Self.revert(id, as: server.admin, client: client)
            #expect(reverted.status == .ok)
            let status = try TestServer.json(reverted)
            #expect(status["stage"] as? String == "reverted" && (status["detail"] as? String)?.contains("Reason: wrong cycle") == true)
            #expect(status["decision"] as? String == "approved by Ivan Importer, reverted by Ada Admin")
            #expect(try server.ledger.currentState().0.isEmpty)
            #expect(try await Self.revert(id, as: server.admin, client: client).status == .conflict)
            // A reverted import is not approved again.
            var headers = TestServer.basic(server.importer)
            headers[.contentType] = "application/json"
            let again = try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#))
            #expect(again.status == .conflict)
        }
    }

    @Test func aConflictIsListedAndChangesNothing() async throws {
        try await TestServer().test { server, client in
            let first = try await Self.approved(TestServer.exportFile(good: 2), as: server.importer, client: client)
            _ = try await Self.approved(TestServer.exportFile(good: 2).replacingOccurrences(of: "0.625", with: "1"), as: server.importer, client: client)
            let refused = try await Self.revert(first, as: server.admin, client: client)
            #expect(refused.status == .conflict)
            let answer = try TestServer.json(refused)
            let conflicts = try #require(answer["conflicts"] as? [[String: Any]])
            #expect(conflicts.count == 2 && conflicts.allSatisfy { $0["field"] as? String == "Meter_Size" && $0["imported"] as? String == "0.625" && $0["now"] as? String == "1" })
            #expect(((answer["error"] as? [String: Any])?["message"] as? String)?.contains("Revert the later imports first") == true)
            let firstID = try #require(UUID(uuidString: first))
            #expect(try server.ledger.events(in: ImportState.revertStream(firstID)).isEmpty && (try server.ledger.importState(firstID).status) == .imported)
            #expect(try server.ledger.currentState().0.fields(.register, "M1")?["Meter_Size"] == "1")

            // The page's button says the same, on a page of its own.
            let session = try await BrowserSession.signIn(server.admin, client: client)
            let (headers, body) = session.form("reason=wrong+cycle")
            let page = try await client.execute(uri: "/imports/\(first)/revert", method: .post, headers: headers, body: body)
            #expect(page.status == .conflict)
            #expect(TestServer.text(page).contains("Register M1: Meter_Size is &quot;1&quot; now; the import set &quot;0.625&quot;."))
        }
    }

    @Test func theActivityListOffersTheButtonToAnAdminOnly() async throws {
        try await TestServer().test { server, client in
            let id = try await Self.approved(TestServer.exportFile(good: 1), as: server.importer, client: client)
            for (account, offered) in [(server.admin, true), (server.importer, false), (server.auditor, false)] {
                let session = try await BrowserSession.signIn(account, client: client)
                let html = TestServer.text(try await client.execute(uri: "/assets/activity", method: .get, headers: session.headers))
                #expect(html.contains("/imports/\(id)/revert") == offered, "\(account.email)")
                let (headers, body) = session.form("reason=test")
                let posted = try await client.execute(uri: "/imports/\(id)/revert", method: .post, headers: headers, body: body)
                #expect((posted.status == .found) == offered, "\(account.email)")
            }
            let html = TestServer.text(try await client.execute(uri: "/assets/activity", method: .get, headers: try await BrowserSession.signIn(server.auditor, client: client).headers))
            #expect(html.contains("reverted by Ada Admin") && html.contains("<small class=\"reason\">test</small>"))
        }
    }
}
