import Foundation
@testable import Ledger
import Testing

/// Leases on each backend (docs/decisions/0025): what one server holds, another cannot take, and
/// an approval whose server died is found by the others.
@Suite struct LeaseContractTests {
    private let databases: ContractDatabases
    init() throws { databases = try ContractDatabases() }

    /// Another server on the same database: a second storage, with connections (or file
    /// descriptors) of its own.
    func anotherServer(on storage: any LedgerStorage, _ backend: StorageBackend) throws -> any LedgerStorage {
        switch backend {
        case .sqlite: try SQLiteStorage(path: try #require(storage as? SQLiteStorage).store.path)
        case .postgreSQL: try PostgreSQLStorage(url: try databases.url(of: storage))
        }
    }

    /// What a server killed in the middle of the work leaves: no holder, and the work begun.
    func kill(_ lease: (any WorkLease)?) throws {
        switch try #require(lease) {
        case let lease as FileLease: lease.endAsIfKilled()
        case let lease as PostgreSQLLease: lease.endAsIfKilled()
        case let lease: Issue.record("A lease of a kind the test does not know: \(type(of: lease))")
        }
    }

    @Test(arguments: StorageBackend.allCases)
    func aHeldLeaseRefusesEveryOtherTakerUntilItIsReleased(backend: StorageBackend) throws {
        let first = try databases.open(backend)
        let second = try anotherServer(on: first, backend)
        let id = UUID()
        var held = try first.lease(.scanning, of: id)
        #expect(held != nil)
        #expect(try second.lease(.scanning, of: id) == nil)
        #expect(try first.lease(.scanning, of: id) == nil, "taken twice in one process")
        // Another work on the same import, or the same work on another, is another lease.
        #expect(try second.lease(.approving, of: id) != nil)
        #expect(try second.lease(.scanning, of: UUID()) != nil)
        held = nil
        #expect(try second.lease(.scanning, of: id) != nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func anApprovalWhoseServerDiedIsAbandonedAndALiveOneIsNot(backend: StorageBackend) throws {
        let first = try databases.open(backend)
        let second = try anotherServer(on: first, backend)
        let (live, dead, finished) = (UUID(), UUID(), UUID())
        let running = try #require(try first.lease(.approving, of: live))
        try kill(try first.lease(.approving, of: dead))
        _ = try first.lease(.approving, of: finished)
        // A killed server's connection closes at once; PostgreSQL ends its session a moment later.
        try PostgreSQLTestDatabase.waitUntil("the killed lease's lock to go") { try second.abandonedApprovals() == [dead] }
        #expect(try second.abandonedApprovals() == [dead], "listed until someone records the approval's end")
        #expect(try first.abandonedApprovals() == [dead])
        do {
            let recovering = try #require(try second.lease(.approving, of: dead))
            #expect(try first.abandonedApprovals().isEmpty, "held again, by whoever records its end")
            withExtendedLifetime(recovering) {}
        }
        #expect(try second.abandonedApprovals().isEmpty)
        withExtendedLifetime(running) {}
    }
}
