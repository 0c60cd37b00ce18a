import Foundation
@testable import Ledger
import Testing
import TestSupport
import Webhooks

/// Two servers on one PostgreSQL database: each delivery is sent by one of them. Runs where
/// `Scripts/postgres run -- swift test` gives the tests a throwaway cluster.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["LEDGER_TEST_POSTGRES_URL"] != nil, "needs Scripts/postgres run"))
struct WebhookDeliveryPostgreSQLTests {
    @Test func twoServersOnOneDatabaseDeliverEachEventOnce() async throws {
        let base = try #require(ProcessInfo.processInfo.environment["LEDGER_TEST_POSTGRES_URL"])
        let schema = "webhooks_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let admin = try PostgreSQLConnection(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let scratch = try TemporaryFolder("ledger-webhooks-postgres")
        let servers = try ["one", "two"].map { name in
            try Ledger(location: LedgerLocation(option: url, environment: [:]), localFolder: scratch.appendingPathComponent(name).path)
        }
        let receiver = try await Receiver()
        _ = try servers[0].registerWebhook(url: receiver.url(), events: ["import.scanned"], actor: WebhookDeliveryTests.ada)
        let running = servers.map { WebhookDeliveryTests.start(WebhookDeliveryTests.dispatcher($0)) }
        let header = "Account_ID,Location_ID,Service_Point_ID,Service_Point_Type,Meter_ID,Meter_Manufacturer,Meter_Model,Meter_Size,Meter_Size_Unit,Meter_Continuous_Flow,Register_Unit_Of_Measure,Register_Resolution,Meter_Install_Date"
        for index in 0..<4 {
            let file = scratch.appendingPathComponent("file\(index).csv")
            try "\(header)\nA\(index),L\(index),001,W,M\(index),Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15\n".write(to: file, atomically: true, encoding: .utf8)
            _ = try servers[index % 2].importFile(at: file, actor: WebhookDeliveryTests.ada)
        }
        try await WebhookDeliveryTests.eventually("four deliveries") { try servers[1].webhookDeliveries().filter { $0.deliveredAt != nil }.count == 4 }
        try await Task.sleep(for: .milliseconds(800))
        let ids = receiver.received.compactMap { $0.header("X-Ledger-Delivery") }
        #expect(ids.count == 4 && Set(ids).count == 4, "each event once: \(ids.count) requests")
        for task in running { await WebhookDeliveryTests.stop(task) }
        await receiver.stop()
    }
}
