import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// Upload, scan and cancel, on a real ledger file.
@Suite struct ImportLifecycleTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    static let ada = Actor(name: "Ada Lovelace", email: "ada@utility.example", via: .cli)

    init() throws {
        scratch = try TemporaryFolder("ledger-imports")
        databases = try ContractDatabases()
    }

    /// Opens this test's ledger on `backend`.
    func use(_ backend: StorageBackend) throws { opened.ledger = try databases.ledger(backend, in: folder) }

    static let header = "Account_ID,Location_ID,Service_Point_ID,Service_Point_Type,Meter_ID,Meter_Manufacturer,Meter_Model,Meter_Size,Meter_Size_Unit,Meter_Continuous_Flow,Register_Unit_Of_Measure,Register_Resolution,Meter_Install_Date"

    func file(_ name: String, _ rows: [String]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try ([Self.header] + rows).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(arguments: StorageBackend.allCases) func anImportIsStoredScannedAndListed(backend: StorageBackend) throws {
        try use(backend)
        let url = try file("export.csv", ["A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15", "A2,L2,001,W,M2,Neptune,T-10,5/8,IN,N,GAL,1,3/7/2024"])
        let outcome = try ledger.importFile(at: url, actor: Self.ada)
        #expect(outcome.summary.records == 2 && outcome.summary.errors == 2 && outcome.summary.ready == 2)
        let entry = try ledger.activityEntry(outcome.id)
        #expect(entry.status == "scanned")
        #expect(entry.fileName == "export.csv" && entry.kind == "accounts-and-assets" && entry.via == "cli")
        #expect(entry.droppedByName == "Ada Lovelace" && entry.droppedByEmail == "ada@utility.example")
        #expect(entry.records == 2 && entry.errors == 2 && entry.ready == 2)
        // The original bytes come back, and so does the report.
        let copy = folder.appendingPathComponent("copy.csv")
        try ledger.blobs.copy(try ledger.originalFile(outcome.id), to: copy)
        #expect(try Data(contentsOf: copy) == Data(contentsOf: url))
        let report = try String(decoding: Data(contentsOf: ledger.blobs.file(of: ledger.exceptionsReport(outcome.id))), as: UTF8.self)
        #expect(report.contains("Meter_Install_Date \"\"3/7/2024\"\" is not a date"))
        #expect(try ledger.importID(String(outcome.id.uuidString.prefix(8))) == outcome.id)
        // Uploaded, scanned, and what approving it changes worked out.
        #expect(try ledger.verify() == 3)
    }

    @Test(arguments: StorageBackend.allCases) func theActivityListIsNewestFirst(backend: StorageBackend) throws {
        try use(backend)
        let first = try ledger.importFile(at: try file("one.csv", ["A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15"]), actor: Self.ada)
        let second = try ledger.importFile(at: try file("two.csv", ["A2,L2,001,W,M2,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15"]), actor: Self.ada)
        #expect(try ledger.activity().map(\.id) == [second.id, first.id].map { $0.lowercasedString })
        #expect(try ledger.activity(limit: 1, offset: 1).map(\.fileName) == ["one.csv"])
    }

    @Test(arguments: StorageBackend.allCases) func aCancelledImportCannotBeCancelledAgain(backend: StorageBackend) throws {
        try use(backend)
        let outcome = try ledger.importFile(at: try file("x.csv", ["A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15"]), actor: Self.ada)
        let bob = Actor(name: "Bob", email: "bob@utility.example", via: .cli)
        try ledger.cancel(outcome.id, reason: "wrong cycle", actor: bob)
        let entry = try ledger.activityEntry(outcome.id)
        #expect(entry.status == "cancelled" && entry.decidedByEmail == "bob@utility.example" && entry.reason == "wrong cycle")
        let error = try #require(throws: LedgerError.self) { try ledger.cancel(outcome.id, reason: nil, actor: bob) }
        #expect(error.code == .invalidState)
    }

    @Test(arguments: StorageBackend.allCases) func aFileOverTheLimitIsRefusedBeforeAnythingIsStored(backend: StorageBackend) throws {
        try use(backend)
        let url = folder.appendingPathComponent("big.csv")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(FileSizeLimit.maximumBytes + 1))
        try handle.close()
        let error = try #require(throws: LedgerError.self) { try ledger.importFile(at: url, actor: Self.ada) }
        #expect(error.code == .fileTooLarge)
        #expect(try ledger.lastPosition() == 0)
        let stored = try FileManager.default.contentsOfDirectory(atPath: ledger.blobs.folder.path).filter { $0 != "incoming" }
        #expect(stored.isEmpty)
    }

    @Test(arguments: StorageBackend.allCases) func upcastersBringOldEventsToTheCurrentShape(backend: StorageBackend) throws {
        try use(backend)
        struct Renamed: EventPayload, Equatable {
            static let type = "Renamed"
            static let schemaVersion = 2
            var fullName: String
        }
        let coder = EventCoder(upcasters: [
            Upcaster(type: "Renamed", version: 1) { old in ["fullName": "\(old["first"] as? String ?? "") \(old["last"] as? String ?? "")"] },
        ])
        let old = NewEvent(stream: "s", type: "Renamed", schemaVersion: 1, data: Data("{\"first\":\"Ada\",\"last\":\"Lovelace\"}".utf8),
                           metadata: EventMetadata(actor: Self.ada))
        let recorded = try #require(try ledger.storage.record([old], expecting: [:], credential: nil).first)
        #expect(try coder.decode(recorded, as: Renamed.self) == Renamed(fullName: "Ada Lovelace"))
        #expect(throws: LedgerError.self) { try EventCoder.ledger.decode(recorded, as: Renamed.self) }
    }
}

extension ImportLifecycleTests {
    @Test(arguments: StorageBackend.allCases) func aScanThatBreaksOffLeavesAFailedImportThatCannotBeApproved(backend: StorageBackend) throws {
        try use(backend)
        let url = try file("export.csv", ["A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15"])
        let id = UUID()
        // A folder where the scan writes its report: the scan cannot finish.
        try FileManager.default.createDirectory(
            at: ledger.blobs.folder.appendingPathComponent("incoming").appendingPathComponent("\(id)-report.csv"), withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try ledger.importFile(at: url, id: id, actor: Self.ada) }
        let entry = try ledger.activityEntry(id)
        #expect(entry.status == "failed")
        #expect(entry.reason?.hasPrefix("The scan broke off") == true)
        // The audit trail says why too.
        #expect(try ledger.audit(importID: id).last.map { $0.action == "ImportFailed" && $0.outcome == "failed: " + (entry.reason ?? "") } == true)
        #expect(try ledger.importState(id).status == .failed)
        #expect(throws: LedgerError.self) { try ledger.approve(id, actor: Self.ada) }
        #expect(throws: LedgerError.self) { try ledger.cancel(id, reason: nil, actor: Self.ada) }
        // The original is kept: the person can download what they dropped.
        #expect(try ledger.originalFile(id).size == (try Data(contentsOf: url)).count)
    }
}
