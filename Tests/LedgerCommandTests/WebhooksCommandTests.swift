import Foundation
import Ledger
import Testing
import TestSupport

/// `ledger webhooks`, run as a person or a script would.
@Suite struct WebhooksCommandTests {
    @Test func aWebhookIsAddedListedTestedAndRemoved() throws {
        let folder = try TemporaryFolder("ledger-cli")
        let db = folder.appendingPathComponent("ledger.sqlite").path
        let added = try LedgerProcess.run(["webhooks", "add", "https://cis.example/hook", "--events", "import.scanned,import.done", "--json", "--db", db])
        #expect(added.status == 0, "\(added.errors)")
        let webhook = try #require(try JSONSerialization.jsonObject(with: Data(added.output.utf8)) as? [String: String])
        let id = try #require(webhook["id"])
        #expect(webhook["secret"]?.count == 64)
        let refused = try LedgerProcess.run(["webhooks", "add", "https://cis.example/hook", "--events", "import.finished", "--db", db])
        #expect(refused.status == 1 && refused.errors.contains("import.finished is no event"), "\(refused.errors)")

        let list = try LedgerProcess.run(["webhooks", "list", "--json", "--db", db])
        let webhooks = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        #expect(webhooks.count == 1 && webhooks[0]["id"] as? String == id && webhooks[0]["events"] as? [String] == ["import.done", "import.scanned"])
        #expect(webhooks[0]["secret"] == nil)

        #expect(try LedgerProcess.run(["webhooks", "test", id, "--db", db]).status == 0)
        let deliveries = try LedgerProcess.run(["webhooks", "deliveries", id, "--json", "--db", db])
        let lines = try #require(try JSONSerialization.jsonObject(with: Data(deliveries.output.utf8)) as? [[String: Any]])
        #expect(lines.count == 1 && lines[0]["event"] as? String == "test" && lines[0]["attempts"] as? Int == 0)

        #expect(try LedgerProcess.run(["webhooks", "remove", id, "--db", db]).status == 0)
        #expect(try LedgerProcess.run(["webhooks", "list", "--db", db]).output.isEmpty)
        let unknown = try LedgerProcess.run(["webhooks", "remove", id, "--db", db])
        #expect(unknown.status == 66)
    }
}
