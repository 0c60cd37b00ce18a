import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// A database the ledger can live in, opened empty for one test.
enum StorageBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgreSQL

    var testDescription: String { rawValue }
}

/// The ledger a test opened, on the backend its arguments name: a suite's instance is made
/// before it knows them.
final class OpenedLedger {
    var ledger: Ledger?
}

/// The databases one test opened, removed when it ends: SQLite files in a temporary folder, and
/// PostgreSQL schemas of their own in the throwaway cluster's database (`Scripts/postgres`), so
/// that tests run in parallel without meeting.
final class ContractDatabases {
    private let scratch: TemporaryFolder
    private var schemas: [String] = []
    private var urls: [ObjectIdentifier: String] = [:]

    init() throws { scratch = try TemporaryFolder("ledger-contract") }

    func open(_ backend: StorageBackend) throws -> any LedgerStorage {
        switch backend {
        case .sqlite:
            return try SQLiteStorage(path: scratch.appendingPathComponent("\(UUID().lowercasedString).sqlite").path)
        case .postgreSQL:
            let url = try newSchema()
            let storage = try PostgreSQLStorage(url: url)
            urls[ObjectIdentifier(storage)] = url
            return storage
        }
    }

    /// A ledger on `backend`, opened empty: on SQLite a file in `folder`, on PostgreSQL a schema
    /// of its own, with this process's copies of the stored files in `folder`.
    func ledger(_ backend: StorageBackend, in folder: URL, specification: Specification? = nil) throws -> Ledger {
        switch backend {
        case .sqlite:
            return try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path, specification: specification)
        case .postgreSQL:
            return try Ledger(
                location: LedgerLocation(option: try newSchema(), environment: [:]), localFolder: folder.appendingPathComponent("files").path,
                specification: specification)
        }
    }

    /// The URL of a new schema in the throwaway cluster's database, removed when the test ends.
    func newSchema() throws -> String {
        let schema = PostgreSQLTestDatabase.uniqueName("contract")
        try PostgreSQLTestDatabase.connect().execute("CREATE SCHEMA \(schema)")
        schemas.append(schema)
        let base = try PostgreSQLTestDatabase.url()
        return base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }

    /// The URL a PostgreSQL storage was opened with: its schema, for a second server or a raw look.
    func url(of storage: any LedgerStorage) throws -> String {
        try #require((storage as? PostgreSQLStorage).flatMap { urls[ObjectIdentifier($0)] })
    }

    deinit {
        guard !schemas.isEmpty, let connection = try? PostgreSQLTestDatabase.connect() else { return }
        for schema in schemas { _ = try? connection.execute("DROP SCHEMA \(schema) CASCADE") }
    }
}

/// What every backend of `LedgerStorage` must do, whatever database keeps it
/// (docs/decisions/0022): each test runs once per backend.
@Suite struct StorageContractTests {
    private let databases: ContractDatabases
    init() throws { databases = try ContractDatabases() }

    static let ada = EventMetadata(actor: Actor(name: "Ada", email: "ada@utility.example", via: .cli))
    let coder = EventCoder.ledger

    func uploaded(_ id: UUID, name: String = "export.csv", sha256: String = String(repeating: "a", count: 64)) throws -> NewEvent {
        try coder.event(FileUploaded(importID: id, fileName: name, file: BlobReference(sha256: sha256, size: 10), kind: .accountsAndAssets),
                        stream: ImportState.stream(id), metadata: Self.ada)
    }

    func created(_ id: UUID, name: String, email: String, role: Role = .auditor) throws -> NewEvent {
        try coder.event(UserCreated(userID: id, name: name, email: email, role: role), stream: UserAccount.stream(id), metadata: Self.ada)
    }

    @Test(arguments: StorageBackend.allCases)
    func eventsTakeTheNextPositionsAndTheirStreamsNextVersionsInOneChain(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let (first, second) = (UUID(), UUID())
        let recorded = try storage.record([try uploaded(first), try uploaded(second)], expecting: [:], credential: nil)
        let failed = try coder.event(ImportFailed(importID: first, reason: "test"), stream: ImportState.stream(first), metadata: Self.ada)
        let more = try storage.record([failed], expecting: [ImportState.stream(first): .exactly(1)], credential: nil)
        #expect((recorded + more).map(\.position) == [1, 2, 3])
        #expect((recorded + more).map(\.version) == [1, 1, 2])
        let stream = try storage.events(in: ImportState.stream(first))
        #expect(stream.map(\.type) == ["FileUploaded", "ImportFailed"] && stream.map(\.position) == [1, 3])
        #expect(stream.first?.metadata == Self.ada && stream.first?.data == recorded.first?.data)
        let hashes = (recorded + more).map(\.hash)
        #expect(Set(hashes).count == 3 && hashes.allSatisfy { $0.count == 64 && $0 != HashChain.genesis })
    }

    @Test(arguments: StorageBackend.allCases)
    func aStaleExpectedVersionAppendsNothingAndProjectsNothing(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let id = UUID()
        try storage.record([try uploaded(id)], expecting: [:], credential: nil)
        let other = UUID()
        let error = try #require(throws: LedgerError.self) {
            try storage.record([try uploaded(other), try uploaded(id)], expecting: [ImportState.stream(id): .noStream], credential: nil)
        }
        #expect(error.code == .versionConflict)
        #expect(try storage.activityCount() == 1 && storage.activityEntry(other) == nil)
        #expect(try storage.events(in: ImportState.stream(other)).isEmpty)
    }

    @Test(arguments: StorageBackend.allCases)
    func aRetriedEventIsNotAppendedTwice(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let event = try uploaded(UUID())
        try storage.record([event], expecting: [:], credential: nil)
        let again = try storage.record([event], expecting: [:], credential: nil)
        #expect(again.isEmpty)
        #expect(try storage.events(in: event.stream).count == 1 && storage.activityCount() == 1)
    }

    @Test(arguments: StorageBackend.allCases)
    func theActivityListFollowsTheLogNewestFirst(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let ids = (0..<3).map { _ in UUID() }
        for (index, id) in ids.enumerated() {
            try storage.record([try uploaded(id, name: "file\(index).csv", sha256: String(repeating: "\(index)", count: 64))], expecting: [:], credential: nil)
        }
        let cancelled = try coder.event(ImportCancelled(importID: ids[1], reason: "wrong cycle"), stream: ImportState.stream(ids[1]), metadata: Self.ada)
        try storage.record([cancelled], expecting: [:], credential: nil)
        #expect(try storage.activity(limit: 10, offset: 0).map(\.fileName) == ["file2.csv", "file1.csv", "file0.csv"])
        #expect(try storage.activity(limit: 1, offset: 1).map(\.fileName) == ["file1.csv"])
        #expect(try storage.activityCount() == 3)
        let entry = try #require(try storage.activityEntry(ids[1]))
        #expect(entry.status == "cancelled" && entry.reason == "wrong cycle" && entry.decidedByEmail == "ada@utility.example" && entry.via == "cli")
        #expect(try storage.importsAwaitingTheirScan().sorted { $0.uuidString < $1.uuidString } == [ids[0], ids[2]].sorted { $0.uuidString < $1.uuidString })
        #expect(try storage.importIDs(startingWith: String(ids[0].lowercasedString.prefix(8)), limit: 2) == [ids[0]])
        #expect(try storage.firstImportedImport(ofFileWithSHA256: String(repeating: "0", count: 64)) == nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func aUsersCredentialIsKeptWithTheEventAndReplacedByAReset(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let (zoe, abe) = (UUID(), UUID())
        try storage.record([try created(zoe, name: "Zoe", email: "zoe@utility.example")], expecting: [UserAccount.stream(zoe): .noStream],
                           credential: Credential(userID: zoe, passwordHash: "first"))
        try storage.record([try created(abe, name: "abe", email: "abe@utility.example", role: .admin)], expecting: [:], credential: nil)
        #expect(try storage.users().map(\.name) == ["abe", "Zoe"])
        #expect(try storage.user(email: "ZOE@utility.example")?.passwordHash == "first")
        #expect(try storage.user(id: abe)?.passwordHash == "" && storage.user(id: abe)?.role == .admin)
        let reset = try coder.event(PasswordReset(userID: zoe), stream: UserAccount.stream(zoe), metadata: Self.ada)
        try storage.record([reset], expecting: [:], credential: Credential(userID: zoe, passwordHash: "second"))
        #expect(try storage.user(id: zoe)?.passwordHash == "second")
        // All or nothing: a refused append keeps no credential either.
        #expect(throws: LedgerError.self) {
            try storage.record([try coder.event(PasswordReset(userID: zoe), stream: UserAccount.stream(zoe), metadata: Self.ada)],
                               expecting: [UserAccount.stream(zoe): .noStream], credential: Credential(userID: zoe, passwordHash: "third"))
        }
        #expect(try storage.user(id: zoe)?.passwordHash == "second")
        let disabled = try coder.event(UserDisabled(userID: zoe), stream: UserAccount.stream(zoe), metadata: Self.ada)
        try storage.record([disabled], expecting: [:], credential: nil)
        #expect(try storage.user(id: zoe)?.disabled == true && storage.user(id: abe)?.disabled == false)
    }

    @Test(arguments: StorageBackend.allCases)
    func sessionsAreFoundByTheirTokensHashUntilTheyEnd(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (ivy, otto) = (UUID(), UUID())
        let sessions = [
            StoredSession(tokenHash: "a1", csrfToken: "c1", userID: ivy, expires: now.addingTimeInterval(60)),
            StoredSession(tokenHash: "a2", csrfToken: "c2", userID: ivy, expires: now.addingTimeInterval(-1)),
            StoredSession(tokenHash: "b1", csrfToken: "c3", userID: otto, expires: now.addingTimeInterval(60)),
            StoredSession(tokenHash: "n1", csrfToken: "c4", userID: nil, expires: now.addingTimeInterval(60)),
        ]
        for session in sessions { try storage.insertSession(session) }
        #expect(try storage.session(tokenHash: "a1") == sessions[0] && storage.session(tokenHash: "n1") == sessions[3])
        try storage.deleteSessions(expiredBy: now)
        #expect(try storage.session(tokenHash: "a2") == nil && storage.session(tokenHash: "a1") != nil)
        try storage.deleteSessions(of: ivy)
        #expect(try storage.session(tokenHash: "a1") == nil && storage.session(tokenHash: "b1") == sessions[2])
        try storage.deleteSession(tokenHash: "b1")
        #expect(try storage.session(tokenHash: "b1") == nil && storage.session(tokenHash: "n1") == sessions[3])
    }

    @Test(arguments: StorageBackend.allCases)
    func theAuditReadsEventsByPositionPersonStreamAndTime(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let otto = EventMetadata(actor: Actor(name: "Otto", email: "otto@utility.example", via: .api))
        let (first, second) = (UUID(), UUID())
        let before = Date().addingTimeInterval(-1)
        try storage.record([try uploaded(first)], expecting: [:], credential: nil)
        let byOtto = try coder.event(FileUploaded(importID: second, fileName: "b.csv", file: BlobReference(sha256: "b", size: 1), kind: .idUpdate),
                                     stream: ImportState.stream(second), metadata: otto)
        try storage.record([byOtto], expecting: [:], credential: nil)
        let after = Date().addingTimeInterval(1)
        #expect(try storage.events(at: [2, 1, 7]).map(\.position) == [1, 2])
        #expect(try storage.events(matching: EventFilter(), limit: 10).map(\.position) == [1, 2])
        #expect(try storage.events(matching: EventFilter(), limit: 1).map(\.position) == [1])
        #expect(try storage.events(matching: EventFilter(actorEmail: "otto@utility.example"), limit: 10).map(\.position) == [2])
        #expect(try storage.events(matching: EventFilter(streams: [ImportState.stream(first)]), limit: 10).map(\.position) == [1])
        #expect(try storage.events(matching: EventFilter(positions: []), limit: 10).isEmpty)
        #expect(try storage.events(matching: EventFilter(positions: [2], since: before, until: after), limit: 10).map(\.position) == [2])
        #expect(try storage.events(matching: EventFilter(since: after), limit: 10).isEmpty)
        #expect(try storage.events(matching: EventFilter(until: before), limit: 10).isEmpty)
        #expect(try storage.lastPosition(recordedBy: after) == 2 && storage.lastPosition(recordedBy: before) == 0)
    }

    /// An approval's transaction keeps all of what it appended and wrote, or, when it throws
    /// anywhere, none of it: events, the Activity List, state rows, digests and the history index.
    @Test(arguments: StorageBackend.allCases)
    func anApprovalThatThrowsKeepsNothingOfWhatItWrote(backend: StorageBackend) throws {
        let storage = try databases.open(backend)
        let id = UUID()
        try storage.record([try uploaded(id)], expecting: [:], credential: nil)
        let before = try storage.projectionRows()
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try storage.approving { transaction in
                try transaction.check([ImportState.stream(id): .exactly(1)])
                _ = try transaction.append(try coder.event(ImportApproved(importID: id, rescanned: false), stream: ImportState.stream(id), metadata: Self.ada))
                var chain = try transaction.chain(of: ImportState.changesStream(id), metadata: Self.ada)
                let change = EntityChange(kind: .account, key: "A1", created: true, fields: ["Account_Name": FieldChange(old: nil, new: "Ada")])
                let applied = try coder.event(RecordApplied(importID: id, record: 1, line: 2, changes: [change]), stream: ImportState.changesStream(id), metadata: Self.ada)
                try transaction.insert([chain.link(applied)], endingAt: chain)
                var fold = StateFold()
                fold.apply(change, at: 3)
                var history = HistoryProjection.Batch()
                history.add(from: fold)
                try transaction.tables.write(history)
                try fold.write(to: transaction.tables)
                #expect(try transaction.tables.entity(.account, "A1") != nil)
                throw Interrupted()
            }
        }
        #expect(try storage.lastPosition() == 1)
        #expect(try storage.projectionRows() == before)
        #expect(try storage.reading { try $0.entityCounts() }.isEmpty)
        #expect(try storage.activityEntry(id)?.status == "uploaded")
    }
}
