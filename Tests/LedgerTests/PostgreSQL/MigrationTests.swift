import Foundation
@testable import Ledger
import Testing
import TestSupport

/// `ledger migrate`: a SQLite ledger moved whole into PostgreSQL, the secrets kept beside its log
/// included.
@Suite struct MigrationTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases

    init() throws {
        scratch = try TemporaryFolder("ledger-migration")
        databases = try ContractDatabases()
    }

    @Test func aMigratedLedgerHasTheSameLogProjectionsPasswordsAndWebhookSecrets() throws {
        let source = try databases.ledger(.sqlite, in: scratch.url)
        let ada = ImportLifecycleTests.ada
        let user = try source.createUser(name: "Ivy Importer", email: "ivy@utility.example", role: .importer, passwordHash: "$2b$12$hash-of-ivy", actor: ada)
        let (webhook, secret) = try source.registerWebhook(url: "https://cis.example/hooks", events: ["import.done"], actor: ada)
        let file = scratch.appendingPathComponent("export.csv")
        try ([ApprovalTests.header] + ApprovalTests.first).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        _ = try source.approve(try source.importFile(at: file, actor: ada).id, actor: ada)

        let target = try databases.ledger(.postgreSQL, in: scratch.appendingPathComponent("target"))
        let report = try source.migrate(to: target)
        #expect(report.events == (try source.lastPosition()) && report.source == report.target)
        // Each backend writes its rows its own way: compared as the ledger reads them.
        #expect(try target.activity(limit: 10, offset: 0) == (try source.activity(limit: 10, offset: 0)))
        #expect(try target.users() == (try source.users()) && (try target.webhooks()) == (try source.webhooks()))
        #expect(try target.currentState().0.fields(.register, "M1") == (try source.currentState().0.fields(.register, "M1")))
        #expect(try target.user(email: user.email)?.passwordHash == "$2b$12$hash-of-ivy")
        #expect(try target.webhookSecret(of: webhook.id) == secret)
        #expect(try target.storage.credentials() == (try source.storage.credentials()))
    }
}
