import Foundation
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

@Suite struct PageRouteTests {
    @Test func theAssetsTabShowsTheDropZoneAndButtonsToImportersOnly() async throws {
        try await TestServer().test { server, client in
            _ = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let importer = try await BrowserSession.signIn(server.importer, client: client)
            let page = TestServer.text(try await client.execute(uri: "/assets", method: .get, headers: importer.headers))
            #expect(page.contains("id=\"drop-zone\"") && page.contains("Approve Import") && page.contains("export.csv"))
            let auditor = try await BrowserSession.signIn(server.auditor, client: client)
            let auditorPage = TestServer.text(try await client.execute(uri: "/assets", method: .get, headers: auditor.headers))
            #expect(!auditorPage.contains("id=\"drop-zone\"") && !auditorPage.contains("Approve Import") && auditorPage.contains("export.csv"))
        }
    }

    @Test func theActivityListButtonsApproveAndCancel() async throws {
        try await TestServer().test { server, client in
            let first = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let second = try await TestServer.uploadAndWait(TestServer.exportFile(meterPrefix: "N"), as: server.importer, client: client)
            let session = try await BrowserSession.signIn(server.importer, client: client)
            let (headers, body) = session.form("")
            #expect(try await client.execute(uri: "/imports/\(first)/approve", method: .post, headers: headers, body: body).status == .found)
            _ = try await TestServer.waitFor(first, stage: "imported", as: server.importer, client: client)
            #expect(try await client.execute(uri: "/imports/\(second)/cancel", method: .post, headers: headers, body: body).status == .found)
            #expect(try server.ledger.activityEntry(UUID(uuidString: second)!).status == "cancelled")
            let auditor = try await BrowserSession.signIn(server.auditor, client: client)
            let (auditorHeaders, auditorBody) = auditor.form("")
            #expect(try await client.execute(uri: "/imports/\(first)/approve", method: .post, headers: auditorHeaders, body: auditorBody).status == .forbidden)
        }
    }

    @Test func theExceptionsPageFiltersAndCounts() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            let page = TestServer.text(try await client.execute(uri: "/imports/\(id)/exceptions", method: .get, headers: session.headers))
            #expect(page.contains("Meter_Install_Date") && page.contains("3/7/2024") && page.contains("1–1 of 1"))
            let filtered = TestServer.text(try await client.execute(uri: "/imports/\(id)/exceptions?column=Account_ID", method: .get, headers: session.headers))
            #expect(filtered.contains("0 of 0") || filtered.contains("0–0 of 0"))
        }
    }

    @Test func historyAuditAndSpecificationPagesAnswer() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            var headers = TestServer.basic(server.importer)
            headers[.contentType] = "application/json"
            _ = try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#))
            _ = try await TestServer.waitFor(id, stage: "imported", as: server.importer, client: client)
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            let history = TestServer.text(try await client.execute(uri: "/history?kind=meter&id=M1", method: .get, headers: session.headers))
            #expect(history.contains("Ivan Importer") && history.contains("Neptune"))
            #expect(history.contains("Configuration periods") && history.contains("service point L1/001"))
            // The dates in the field beside the times the ledger recorded them.
            #expect(history.contains("<th>In the field</th>") && history.contains("<td>installed 2020-01-15</td>"))
            let meterHistory = TestServer.text(try await client.execute(uri: "/v1/history/meter/M1", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(meterHistory.contains(#""startDate":"2020-01-15""#))
            // The times for people, beside each change and period.
            #expect(history.contains(" UTC <small>#"))
            let json = try await client.execute(uri: "/v1/history/account/A1", method: .get, headers: TestServer.basic(server.auditor))
            #expect(json.status == .ok && TestServer.text(json).contains(id))
            let before = try await client.execute(uri: "/v1/history/account/A1?asOf=1", method: .get, headers: TestServer.basic(server.auditor))
            #expect(TestServer.text(before) == #"{"changes":[],"periods":[]}"#)
            let periods = try JSONSerialization.jsonObject(with: Data(TestServer.text(
                try await client.execute(uri: "/v1/history/service-point/L1/001", method: .get, headers: TestServer.basic(server.auditor))).utf8)) as? [String: Any]
            // The register placed at the service point, and the account it had.
            #expect((periods?["periods"] as? [[String: Any]])?.map { $0["configuration"] as? String } == ["service point L1/001", "account A1"])
            let audit = TestServer.text(try await client.execute(uri: "/audit?user=\(server.importer.email)", method: .get, headers: session.headers))
            #expect(audit.contains("ImportCompleted") && !audit.contains("UserCreated"))
            let auditJSON = TestServer.text(try await client.execute(uri: "/v1/audit?import=\(id.prefix(8))", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(auditJSON.contains("FileUploaded") && !auditJSON.contains("SignedIn"))
            #expect(try await client.execute(uri: "/v1/audit?since=yesterday", method: .get, headers: TestServer.basic(server.auditor)).status == .badRequest)
            let meter = TestServer.text(try await client.execute(uri: "/v1/audit?entity=meter:M1", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(meter.contains("RecordApplied") && !meter.contains("FileUploaded"))
            #expect(try await client.execute(uri: "/v1/audit?entity=M1", method: .get, headers: TestServer.basic(server.auditor)).status == .badRequest)
            let specification = try await client.execute(uri: "/specification", method: .get, headers: session.headers)
            #expect(specification.status == .ok && TestServer.text(specification).contains("Meter_ID"))
            let template = try await client.execute(uri: "/template.csv", method: .get, headers: session.headers)
            #expect(TestServer.text(template).hasPrefix(try server.ledger.specification.template.prefix(20)))
            #expect(try await client.execute(uri: "/specification.csv", method: .get, headers: session.headers).headers[.contentDisposition]?.contains("attachment") == true)
        }
    }

    @Test func anAdministratorAddsDisablesAndResetsUsers() async throws {
        try await TestServer().test { server, client in
            let admin = try await BrowserSession.signIn(server.admin, client: client)
            let (headers, body) = admin.form("name=Nina+New&email=nina@utility.example&role=auditor&password=a+long+password")
            let added = try await client.execute(uri: "/admin/users", method: .post, headers: headers, body: body)
            #expect(added.status == .ok && TestServer.text(added).contains("nina@utility.example"))
            let nina = try #require(try server.ledger.user(email: "nina@utility.example"))
            #expect(nina.role == .auditor)
            #expect(try await client.execute(uri: "/v1/activity", method: .get, headers: TestServer.basic(nina, password: "a long password")).status == .ok)
            let (resetHeaders, resetBody) = admin.form("")
            let reset = TestServer.text(try await client.execute(uri: "/admin/users/\(nina.id)/reset-password", method: .post, headers: resetHeaders, body: resetBody))
            #expect(reset.contains("shown once"))
            #expect(try await client.execute(uri: "/v1/activity", method: .get, headers: TestServer.basic(nina, password: "a long password")).status == .unauthorized)
            #expect(try await client.execute(uri: "/admin/users/\(nina.id)/disable", method: .post, headers: resetHeaders, body: resetBody).status == .found)
            #expect(try server.ledger.user(id: nina.id).disabled)
            let trail = try server.ledger.audit().map(\.action)
            #expect(trail.contains("UserCreated") && trail.contains("PasswordReset") && trail.contains("UserDisabled"))
            let importer = try await BrowserSession.signIn(server.importer, client: client)
            #expect(try await client.execute(uri: "/admin/users", method: .get, headers: importer.headers).status == .forbidden)
        }
    }
}
