import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

/// Approval policies through the API: set by administrators, asked for per file within them.
@Suite struct PolicyRouteTests {
    static func put(_ body: String, as account: UserAccount, client: some TestClientProtocol) async throws -> TestResponse {
        var headers = TestServer.basic(account)
        headers[.contentType] = "application/json"
        return try await client.execute(uri: "/v1/policy", method: .put, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func anAdministratorSetsAPolicyAndEveryoneReadsIt() async throws {
        try await TestServer().test { server, client in
            #expect(try await Self.put(#"{"api": "auto-when-clean"}"#, as: server.importer, client: client).status == .forbidden)
            #expect(try await Self.put(#"{"api": "sometimes"}"#, as: server.admin, client: client).status == .badRequest)
            #expect(try await Self.put(#"{"fax": "manual"}"#, as: server.admin, client: client).status == .badRequest)
            let set = try await Self.put(#"{"api": "when-clean", "inbox": "auto-unless-errors"}"#, as: server.admin, client: client)
            #expect(set.status == .ok)
            let read = try TestServer.json(try await client.execute(uri: "/v1/policy", method: .get, headers: TestServer.basic(server.auditor)))
            let api = try #require(read["api"] as? [String: Any]), inbox = try #require(read["inbox"] as? [String: Any])
            let ui = try #require(read["ui"] as? [String: Any])
            #expect(api["policy"] as? String == "auto-when-clean" && inbox["policy"] as? String == "auto-unless-errors" && ui["policy"] as? String == "manual")
            #expect((api["setBy"] as? [String: Any])?["email"] as? String == server.admin.email && ui["setBy"] == nil)
            #expect(try server.ledger.approvalPolicies()[.api] == .autoWhenClean)
        }
    }

    @Test func aCleanFileSentUnderAutoWhenCleanIsImportedWithoutAPerson() async throws {
        try await TestServer().test { server, client in
            try server.ledger.setApprovalPolicy(.autoWhenClean, for: .api, actor: server.admin.actor(via: .cli))
            let clean = TestServer.exportFile(good: 3).split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
            let id = try await TestServer.uploadAndWait(clean, as: server.importer, until: "imported", client: client)
            let done = try await TestServer.waitFor(id, stage: "imported", as: server.importer, client: client)
            #expect(done["imported"] as? Int == 3)
            let entry = try server.ledger.activityEntry(UUID(uuidString: id)!)
            #expect(entry.decidedByName == "policy auto-when-clean" && entry.droppedByEmail == server.importer.email)
            // A file with an error waits for a person.
            let withError = try await TestServer.uploadAndWait(TestServer.exportFile(good: 2, meterPrefix: "N"), as: server.importer, client: client)
            _ = try await TestServer.waitFor(withError, stage: "ready", as: server.importer, client: client)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try server.ledger.importState(UUID(uuidString: withError)!).status == .scanned)
        }
    }

    @Test func aFileMayAskForAnApprovalOnlyWithinItsPolicy() async throws {
        try await TestServer().test { server, client in
            let clean = TestServer.exportFile(good: 2).split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
            // The API's policy is manual: asking for more is refused before the file is stored.
            let refused = try await client.execute(
                uri: "/v1/bde/import?approve=when-clean", method: .post, headers: TestServer.uploadHeaders(server.importer), body: TestServer.multipart(clean))
            #expect(refused.status == .forbidden)
            #expect(try server.ledger.activityCount() == 0)
            try server.ledger.setApprovalPolicy(.autoUnlessErrors, for: .api, actor: server.admin.actor(via: .cli))
            let id = try await TestServer.uploadAndWait(clean, as: server.importer, until: "imported", query: "?approve=when-clean", client: client)
            #expect(try server.ledger.activityEntry(UUID(uuidString: id)!).decidedByName == "policy auto-when-clean")
            // Asking for none at all leaves it to a person.
            let manualID = try await TestServer.uploadAndWait(
                TestServer.exportFile(good: 2, meterPrefix: "P").split(separator: "\n").dropLast().joined(separator: "\n"), as: server.importer,
                query: "?approve=manual", client: client)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try server.ledger.importState(UUID(uuidString: manualID)!).status == .scanned)
        }
    }
}
