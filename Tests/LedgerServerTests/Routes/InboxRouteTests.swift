import Foundation
import Ledger
@testable import LedgerServer
import Testing
import TestSupport

/// `ledger serve --inbox`: the server takes the inbox's files while it runs, and the approvals
/// the inbox policy allows go through its approval queue.
@Suite struct InboxRouteTests {
    @Test func aCleanFileInTheInboxIsImportedByThePolicyThroughTheServersQueue() async throws {
        let server = try await TestServer()
        let inbox = server.folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try server.ledger.setApprovalPolicy(.autoUnlessErrors, for: .inbox, actor: server.admin.actor(via: .cli))
        let header = "Account_ID,Location_ID,Service_Point_ID,Service_Point_Type,Meter_ID,Meter_Manufacturer,Meter_Model,Meter_Size,Meter_Size_Unit,Meter_Continuous_Flow,Register_Unit_Of_Measure,Register_Resolution,Meter_Install_Date"
        let rows = (1...3).map { "A\($0),L\($0),001,W,M\($0),Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15" }
        try (([header] + rows).joined(separator: "\n") + "\n").write(to: inbox.appendingPathComponent("clean.csv"), atomically: true, encoding: .utf8)
        let settings = InboxSettings(folder: inbox.path, serviceUser: server.importer.email)
        try await server.test(inbox: settings) { server, _ in
            let deadline = ContinuousClock.now + .seconds(30)
            var entry: ActivityEntry?
            while ContinuousClock.now < deadline {
                entry = try server.ledger.activity().first
                if entry?.status == "imported" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(entry?.status == "imported" && entry?.via == "inbox" && entry?.droppedByEmail == server.importer.email)
            #expect(entry?.decidedByName == ApprovalPolicy.autoUnlessErrors.approverName)
            #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("accepted/clean.csv").path))
        }
    }

    @Test func aServiceUserWhoMayNotImportStopsTheServerAtStart() async throws {
        let server = try await TestServer()
        await #expect(throws: LedgerError.self) {
            try await server.test(inbox: InboxSettings(folder: server.folder.path, serviceUser: server.auditor.email)) { _, _ in }
        }
    }
}
