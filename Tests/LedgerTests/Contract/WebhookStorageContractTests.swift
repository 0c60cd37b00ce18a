import Foundation
@testable import Ledger
import Testing
import TestSupport

/// What every backend keeps for the webhooks (docs/decisions/0029): their secrets beside the log,
/// in the transaction of their registration, and the log read by event type from a position.
@Suite struct WebhookStorageContractTests {
    private let databases: ContractDatabases
    let coder = EventCoder.ledger
    static let ada = EventMetadata(actor: Actor(name: "Ada", email: "ada@utility.example", via: .cli))

    init() throws { databases = try ContractDatabases() }

    func registered(_ id: UUID) throws -> NewEvent {
        try coder.event(WebhookRegistered(webhookID: id, url: "https://receiver.example/hook", events: ["import.done"]), stream: WebhookRegistration.stream(id),
                        metadata: Self.ada)
    }

    @Test(arguments: StorageBackend.allCases)
    func aWebhooksSecretIsKeptBesideTheLogWithItsRegistration(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let (kept, refused) = (UUID(), UUID())
        try storage.record([try registered(kept)], expecting: [WebhookRegistration.stream(kept): .noStream],
                           credential: .webhookSecret(webhookID: kept, secret: "first"))
        #expect(try storage.webhookSecret(of: kept) == "first")
        #expect(try storage.webhookSecret(of: refused) == nil)
        // All or nothing: a refused append keeps no secret either.
        try storage.record([try registered(refused)], expecting: [:], credential: nil)
        #expect(throws: LedgerError.self) {
            try storage.record([try registered(UUID())], expecting: [WebhookRegistration.stream(refused): .noStream],
                               credential: .webhookSecret(webhookID: refused, secret: "never"))
        }
        #expect(try storage.webhookSecret(of: refused) == nil)
        var logged = ""
        try storage.forEachLoggedEvent { logged += String(decoding: $0.data + $0.metadata, as: UTF8.self) }
        #expect(!logged.contains("first") && !logged.contains("never"))
        // Kept through a rebuild of the projections: the secret is not one.
        _ = try storage.rebuildingProjections(version: 99, onlyWhenOlder: false) { _ in }
        #expect(try storage.webhookSecret(of: kept) == "first")
    }

    @Test(arguments: StorageBackend.allCases)
    func theLogIsReadByEventTypeAfterAPosition(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let (one, two) = (UUID(), UUID())
        try storage.record([try registered(one)], expecting: [:], credential: nil)
        try storage.record([try coder.event(WebhookRemoved(webhookID: one), stream: WebhookRegistration.stream(one), metadata: Self.ada)], expecting: [:], credential: nil)
        try storage.record([try registered(two)], expecting: [:], credential: nil)
        #expect(try storage.events(matching: EventFilter(types: [WebhookRegistered.type]), limit: 10).map(\.position) == [1, 3])
        #expect(try storage.events(matching: EventFilter(types: [WebhookRegistered.type], after: 1), limit: 10).map(\.position) == [3])
        #expect(try storage.events(matching: EventFilter(types: [WebhookRemoved.type, WebhookRegistered.type], after: 1), limit: 10).map(\.position) == [2, 3])
        #expect(try storage.events(matching: EventFilter(types: []), limit: 10).isEmpty)
        #expect(try storage.events(matching: EventFilter(after: 2), limit: 10).map(\.position) == [3])
    }
}
