import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

@Suite struct ImportAPIRouteTests {
    @Test func anUploadIsScannedThenApprovedOnceAndListed() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(good: 3), as: server.importer, client: client)
            let ready = try await TestServer.waitFor(id, stage: "ready", as: server.importer, client: client)
            #expect(ready["records"] as? Int == 4 && ready["errors"] as? Int == 1 && ready["exceptions"] as? Int == 1)
            #expect(ready["dryRun"] as? Bool == true && ready["importFile"] as? String == "export.csv")
            #expect(ready["droppedByEmail"] as? String == server.importer.email && ready["via"] as? String == "api")

            let approve = ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#)
            var headers = TestServer.basic(server.importer)
            headers[.contentType] = "application/json"
            #expect(try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: approve).status == .accepted)
            let done = try await TestServer.waitFor(id, stage: "imported", as: server.importer, client: client)
            // Three whole records, and the fourth's components but its meter (its date is wrong).
            #expect(done["dryRun"] as? Bool == false && done["imported"] as? Int == 4)
            let again = try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: approve)
            #expect(again.status == .conflict)
            #expect(try server.ledger.activityEntry(UUID(uuidString: id)!).imported == done["imported"] as? Int)

            let activity = try TestServer.json(try await client.execute(uri: "/v1/activity", method: .get, headers: TestServer.basic(server.auditor)))
            let first = try #require((activity["imports"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == id && first["via"] as? String == "api" && first["status"] as? String == "imported")
        }
    }

    /// The eight steps of the established Data Exchange Import API, driven as a CIS script
    /// written against it drives them: it knows `state`, `dryRun`, `reportUrl` and `bdeUUID`, and
    /// polls until `done`.
    @Test func aScriptWrittenForTheEstablishedImportAPIWorksUnchanged() async throws {
        try await TestServer().test { server, client in
            let credentials = TestServer.basic(server.importer)
            func poll(_ statusUrl: String, until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
                for _ in 0..<200 {
                    let status = try TestServer.json(try await client.execute(uri: statusUrl, method: .get, headers: credentials))
                    if done(status) { return status }
                    #expect(["queued", "scanning", "importing", "done"].contains(status["state"] as? String ?? ""), "\(status)")
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("never done")
                return [:]
            }
            // 1. POST the file.
            let posted = try await client.execute(
                uri: "/v1/bde/import", method: .post, headers: TestServer.uploadHeaders(server.importer), body: TestServer.multipart(TestServer.exportFile(good: 3)))
            #expect(posted.status == .accepted)
            let started = try TestServer.json(posted)
            let id = try #require(started["bdeUUID"] as? String), statusUrl = try #require(started["statusUrl"] as? String)
            // 2. Check on the status until state is done: the dry run.
            let dryRun = try await poll(statusUrl) { $0["state"] as? String == "done" }
            #expect(dryRun["dryRun"] as? Bool == true && dryRun["importFile"] as? String == "export.csv")
            #expect(dryRun["message"] as? String == "import operation succeeded")
            #expect(dryRun["stage"] as? String == "ready")
            // 3. Get the report.
            let reportUrl = try #require(dryRun["reportUrl"] as? String)
            let report = try TestServer.json(try await client.execute(uri: reportUrl, method: .get, headers: credentials))
            #expect(report["total"] as? Int == 1)
            // 4. Accept the dry run.
            var json = credentials
            json[.contentType] = "application/json"
            let accepted = try await client.execute(uri: "/v1/bde/import", method: .put, headers: json, body: ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#))
            #expect(accepted.status == .accepted)
            #expect(try TestServer.json(accepted)["dryRun"] as? Bool == false)
            // 5. Check the status again: done, now not a dry run.
            let imported = try await poll(statusUrl) { $0["state"] as? String == "done" && $0["dryRun"] as? Bool == false }
            #expect(imported["stage"] as? String == "imported" && imported["message"] as? String == "import operation succeeded")
            #expect(imported["imported"] as? Int == 4)
        }
    }

    /// A file with file-level errors is not `done`: it failed, and says why, with its report.
    @Test func aFileThatCannotBeImportedIsNotReportedReady() async throws {
        try await TestServer().test { server, client in
            let started = try TestServer.json(try await client.execute(
                uri: "/v1/bde/import", method: .post, headers: TestServer.uploadHeaders(server.importer), body: TestServer.multipart("Meter_Model,Meter_Size\nT-10,1\n")))
            let id = try #require(started["bdeUUID"] as? String)
            var status: [String: Any] = [:]
            for _ in 0..<200 {
                status = try TestServer.json(try await client.execute(uri: "/v1/bde/import/\(id)", method: .get, headers: TestServer.basic(server.importer)))
                if status["stage"] as? String == "rejected" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status["state"] as? String == "failed" && status["stage"] as? String == "rejected")
            #expect((status["detail"] as? String ?? "").contains("file-level error") && status["reportUrl"] != nil)
        }
    }

    /// Statuses `docs/api.md` promises: 409 for cancelling an approved import; the Activity List
    /// and the audit trail paged and filtered; the page's own calls with `X-CSRF-Token`.
    @Test func theDocumentedStatusesPagesAndFiltersHold() async throws {
        try await TestServer().test { server, client in
            let first = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let second = try await TestServer.uploadAndWait(TestServer.exportFile(good: 3, meterPrefix: "N"), as: server.importer, client: client)
            var json = TestServer.basic(server.importer)
            json[.contentType] = "application/json"
            #expect(try await client.execute(uri: "/v1/bde/import", method: .put, headers: json, body: ByteBuffer(string: #"{"bdeUUID": "\#(first)"}"#)).status == .accepted)
            _ = try await TestServer.waitFor(first, stage: "imported", as: server.importer, client: client)
            let cancelApproved = try await client.execute(uri: "/v1/bde/import/\(first)", method: .delete, headers: TestServer.basic(server.importer))
            #expect(cancelApproved.status == .conflict)

            let page = try TestServer.json(try await client.execute(uri: "/v1/activity?limit=1&offset=1", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(page["total"] as? Int == 2 && page["limit"] as? Int == 1 && page["offset"] as? Int == 1)
            #expect((page["imports"] as? [[String: Any]])?.map { $0["id"] as? String } == [first])

            let audit = try await client.execute(uri: "/v1/audit?import=\(second)", method: .get, headers: TestServer.basic(server.auditor))
            let lines = try #require(try JSONSerialization.jsonObject(with: Data(buffer: audit.body)) as? [[String: Any]])
            #expect(lines.map { $0["action"] as? String } == ["ChangesPreviewed", "ScanCompleted", "FileUploaded"])
            let byNobody = try await client.execute(uri: "/v1/audit?user=nobody@utility.example", method: .get, headers: TestServer.basic(server.auditor))
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: byNobody.body)) as? [Any])?.isEmpty == true)

            // The page's script cancels with its session and the token in a header, no form.
            let session = try await BrowserSession.signIn(server.importer, client: client)
            var headers = session.headers
            headers[.accept] = "application/json"
            let withoutToken = try await client.execute(uri: "/v1/bde/import/\(second)", method: .delete, headers: headers)
            #expect(withoutToken.status == .forbidden)
            headers[AuthenticationMiddleware.csrfHeader] = session.csrf
            let withToken = try await client.execute(uri: "/v1/bde/import/\(second)", method: .delete, headers: headers)
            #expect(withToken.status == .ok)
            #expect(try TestServer.json(withToken)["state"] as? String == "cancelled")
        }
    }

    @Test func theReportIsPagedJSON() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let report = try TestServer.json(try await client.execute(uri: "/v1/bde/import/\(id)/report?limit=1", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(report["total"] as? Int == 1 && report["limit"] as? Int == 1)
            let line = try #require((report["exceptions"] as? [[String: Any]])?.first)
            #expect(line["column"] as? String == "Meter_Install_Date" && line["value"] as? String == "3/7/2024" && line["severity"] as? String == "error")
            let none = try TestServer.json(try await client.execute(uri: "/v1/bde/import/\(id)/report?code=no-such-code", method: .get, headers: TestServer.basic(server.auditor)))
            #expect(none["total"] as? Int == 0)
        }
    }

    /// The CSV report puts an apostrophe before a value a spreadsheet would run; the pages and
    /// the API show the value as the file had it.
    @Test func theReportShowsAFormulaAsTheFileHadIt() async throws {
        try await TestServer().test { server, client in
            let content = TestServer.exportFile().replacingOccurrences(of: "3/7/2024", with: "=NOW()")
            let id = try await TestServer.uploadAndWait(content, as: server.importer, client: client)
            let report = try TestServer.json(try await client.execute(uri: "/v1/bde/import/\(id)/report", method: .get, headers: TestServer.basic(server.auditor)))
            let line = try #require((report["exceptions"] as? [[String: Any]])?.first)
            #expect(line["column"] as? String == "Meter_Install_Date" && line["value"] as? String == "=NOW()")
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            let page = TestServer.text(try await client.execute(uri: "/imports/\(id)/exceptions", method: .get, headers: session.headers))
            #expect(page.contains("=NOW()") && !page.contains("&#39;=NOW()") && !page.contains("'=NOW()"))
            #expect(page.contains("the fix file keeps every value exactly as the export had it"))
            let csv = TestServer.text(try await client.execute(uri: "/imports/\(id)/exceptions.csv", method: .get, headers: session.headers))
            #expect(csv.contains("'=NOW()"))
        }
    }

    @Test func aCancelledImportCannotBeApproved() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            #expect(try await client.execute(uri: "/v1/bde/import/\(id)?reason=wrong+cycle", method: .delete, headers: TestServer.basic(server.importer)).status == .ok)
            #expect(try TestServer.json(try await client.execute(uri: "/v1/bde/import/\(id)", method: .get, headers: TestServer.basic(server.importer)))["state"] as? String == "cancelled")
            var headers = TestServer.basic(server.importer)
            headers[.contentType] = "application/json"
            let approve = try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#))
            #expect(approve.status == .conflict)
            #expect(try await client.execute(uri: "/v1/bde/import/\(id)", method: .delete, headers: TestServer.basic(server.importer)).status == .conflict)
        }
    }

    @Test func anAuditorReadsButChangesNothing() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let upload = try await client.execute(uri: "/v1/bde/import", method: .post, headers: TestServer.uploadHeaders(server.auditor), body: TestServer.multipart("x"))
            #expect(upload.status == .forbidden)
            var headers = TestServer.basic(server.auditor)
            headers[.contentType] = "application/json"
            let approve = try await client.execute(uri: "/v1/bde/import", method: .put, headers: headers, body: ByteBuffer(string: #"{"bdeUUID": "\#(id)"}"#))
            #expect(approve.status == .forbidden)
            #expect(try await client.execute(uri: "/v1/bde/import/\(id)", method: .delete, headers: TestServer.basic(server.auditor)).status == .forbidden)
            #expect(try server.ledger.activityEntry(UUID(uuidString: id)!).status == "scanned")
            #expect(try await client.execute(uri: "/v1/bde/import/\(id)", method: .get, headers: TestServer.basic(server.auditor)).status == .ok)
            #expect(try await client.execute(uri: "/v1/users", method: .get, headers: TestServer.basic(server.auditor)).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/users", method: .get, headers: TestServer.basic(server.importer)).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/users", method: .get, headers: TestServer.basic(server.admin)).status == .ok)
        }
    }

    @Test func wrongRequestsGetTheirStatus() async throws {
        try await TestServer().test { server, client in
            let unknown = try await client.execute(uri: "/v1/bde/import/\(UUID())", method: .get, headers: TestServer.basic(server.auditor))
            #expect(unknown.status == .notFound)
            #expect(try TestServer.json(unknown)["error"] != nil)
            var raw = TestServer.basic(server.importer)
            raw[.contentType] = "text/csv"
            #expect(try await client.execute(uri: "/v1/bde/import", method: .post, headers: raw, body: ByteBuffer(string: "a,b\n")).status == .unsupportedMediaType)
            let noField = try await client.execute(uri: "/v1/bde/import", method: .post, headers: TestServer.uploadHeaders(server.importer),
                                                   body: TestServer.multipart("x", field: "other"))
            #expect(noField.status == .badRequest)
            var json = TestServer.basic(server.importer)
            json[.contentType] = "application/json"
            #expect(try await client.execute(uri: "/v1/bde/import", method: .put, headers: json, body: ByteBuffer(string: #"{"bdeUUID": "nope"}"#)).status == .badRequest)
        }
    }

    @Test func anImportIsNamedByEightCharactersOfItsIdOnThePages() async throws {
        try await TestServer().test { server, client in
            let id = try await TestServer.uploadAndWait(TestServer.exportFile(), as: server.importer, client: client)
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            #expect(try await client.execute(uri: "/imports/\(id.prefix(8))/exceptions", method: .get, headers: session.headers).status == .ok)
            #expect(try await client.execute(uri: "/imports/\(id.prefix(4))/exceptions", method: .get, headers: session.headers).status == .notFound)
            let history = try await client.execute(uri: "/v1/history/planet/Mars", method: .get, headers: TestServer.basic(server.auditor))
            #expect(history.status == .badRequest)
            let point = try await client.execute(uri: "/v1/history/service-point/L1", method: .get, headers: TestServer.basic(server.auditor))
            #expect(point.status == .badRequest)
        }
    }

    @Test func downloadsGiveTheOriginalBytesAndTheReports() async throws {
        try await TestServer().test { server, client in
            let content = TestServer.exportFile()
            let id = try await TestServer.uploadAndWait(content, as: server.importer, client: client)
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            let original = try await client.execute(uri: "/imports/\(id)/file", method: .get, headers: session.headers)
            #expect(original.status == .ok && TestServer.text(original) == content)
            let report = try await client.execute(uri: "/imports/\(id)/exceptions.csv", method: .get, headers: session.headers)
            #expect(TestServer.text(report).contains("severity,code,record,line,column,value,message"))
            let fix = try await client.execute(uri: "/imports/\(id)/fix-file.csv", method: .get, headers: session.headers)
            #expect(TestServer.text(fix).contains("3/7/2024") && !TestServer.text(fix).contains("M1,"))
            // Streamed from a file that is gone once sent (the server removes it just after the
            // last byte, which the client may read first).
            let staging = server.folder.appendingPathComponent("data/uploads").path
            var staged = [String]()
            for _ in 0..<100 {
                staged = try FileManager.default.contentsOfDirectory(atPath: staging).filter { $0.hasSuffix("-fix.csv") }
                if staged.isEmpty { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(staged.isEmpty)
        }
    }

    /// A server killed in the middle of an upload or a scan leaves staged files that no request
    /// owns any more; the next start removes them, and nothing else.
    @Test func aStartRemovesWhatAKilledServerLeftStaged() async throws {
        let server = try await TestServer()
        let staging = server.folder.appendingPathComponent("data/uploads")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for name in ["\(UUID().lowercasedString).upload", "\(UUID().lowercasedString)-fix.csv", "notes.txt"] {
            try Data("partial".utf8).write(to: staging.appendingPathComponent(name))
        }
        try await server.test { _, client in
            let health = try await client.execute(uri: "/health", method: .get)
            let left = try FileManager.default.contentsOfDirectory(atPath: staging.path)
            #expect(health.status == .ok && left == ["notes.txt"])
        }
    }
}
