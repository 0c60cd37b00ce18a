import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

/// What approving an import changes: `GET /v1/bde/import/{id}/changes` (paged, filtered), the
/// Changes page, its CSV, and the sentence on the Activity List's line.
@Suite struct ChangesRouteTests {
    static let sentence = "3 field updates, 1 unchanged, 1 blocked component"

    @Test func theChangesArePagedFilteredAndShownToEveryReader() async throws {
        try await TestServer().test { server, client in
            _ = try await RevertRouteTests.approved(TestServer.exportFile(good: 3), as: server.importer, client: client)
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(good: 3).replacingOccurrences(of: "0.625", with: "1"), as: server.importer, client: client)
            let status = try TestServer.json(try await client.execute(uri: "/v1/bde/import/\(id)", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(status["changes"] as? String == Self.sentence && status["changesUrl"] as? String == "/v1/bde/import/\(id)/changes")

            func changes(_ query: String, as account: UserAccount) async throws -> TestResponse {
                try await client.execute(uri: "/v1/bde/import/\(id)/changes" + query, method: .get, headers: TestServer.basic(account))
            }
            let first = try TestServer.json(try await changes("?limit=2", as: server.auditor))
            let lines = try #require(first["changes"] as? [[String: Any]])
            #expect(first["total"] as? Int == 3 && lines.count == 2 && first["sentence"] as? String == Self.sentence)
            #expect(((first["counts"] as? [String: Any])?["updatedColumns"] as? [String: Int]) == ["Meter_Size": 3])
            #expect(lines[0]["entity"] as? String == "M1" && lines[0]["record"] as? Int == 1 && lines[0]["line"] as? Int == 2)
            #expect(lines[0]["fields"] as? [[String: String]] == [["column": "Meter_Size", "old": "0.625", "new": "1"]])
            let rest = try TestServer.json(try await changes("?offset=2&limit=2", as: server.importer))
            #expect((rest["changes"] as? [[String: Any]])?.map { $0["entity"] as? String } == ["M3"])
            #expect(try TestServer.json(try await changes("?group=meter-installed", as: server.admin))["total"] as? Int == 0)
            #expect(try TestServer.json(try await changes("?column=Meter_Size", as: server.admin))["total"] as? Int == 3)
            #expect(try await changes("?group=meters", as: server.admin).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/bde/import/\(id)/changes", method: .get).status == .unauthorized)

            // The page, its CSV, and the line of the Activity List that links to it.
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            let page = TestServer.text(try await client.execute(uri: "/imports/\(id)/changes?group=fields-updated", method: .get, headers: session.headers))
            #expect(page.contains("Approving it changes: \(Self.sentence).") && page.contains("1–3 of 3"))
            #expect(page.contains("<span class=\"column\">Meter_Size</span>: <span class=\"old\">0.625</span> → <span class=\"new\">1</span>"))
            let csv = TestServer.text(try await client.execute(uri: "/imports/\(id)/changes.csv?column=Meter_Size", method: .get, headers: session.headers))
            #expect(csv.components(separatedBy: "\r\n").filter { $0.hasPrefix("fields-updated,Register,M") }.count == 3)
            let activity = TestServer.text(try await client.execute(uri: "/assets/activity", method: .get, headers: session.headers))
            #expect(activity.contains("<small class=\"changes-sentence\">\(Self.sentence)</small>") && activity.contains("/imports/\(id)/changes"))
        }
    }
}
