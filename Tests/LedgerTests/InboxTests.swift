import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// The inbox: files that land in a folder are imported once each, via `inbox`, once they have
/// stopped growing, and moved to `accepted/` or `rejected/` with their reports. Real folders, a
/// real ledger.
@Suite struct InboxTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    var inboxFolder: URL { scratch.appendingPathComponent("inbox") }
    static let service = Actor(name: "Inbox", email: "inbox@localhost", via: .inbox)

    init() throws {
        scratch = try TemporaryFolder("ledger-inbox")
        databases = try ContractDatabases()
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        opened.ledger = try databases.ledger(.sqlite, in: scratch.url)
    }

    func inbox(
        on ledger: Ledger? = nil, mask: String = "*.csv", doneMarker: Bool = false, settle: Duration = .milliseconds(200)
    ) -> Inbox {
        Inbox(ledger: ledger ?? self.ledger, configuration: Inbox.Configuration(
            folder: inboxFolder, mask: mask, waitsForDoneMarker: doneMarker, settleInterval: settle, pollInterval: .milliseconds(20),
            actor: Self.service))
    }

    static func sample(rows: Int, seed: UInt64 = 1, errors: Double = 0) throws -> [UInt8] {
        try SampleGenerator(options: SampleOptions(length: .rows(rows), seed: seed, errorShare: errors)).bytes().bytes
    }

    @discardableResult
    func drop(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = inboxFolder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Looks at the folder every few milliseconds until `count` files were taken, or `timeout`.
    func take(
        _ count: Int = 1, with inbox: Inbox, watch: inout InboxWatch, timeout: Duration = .seconds(10), deferring: Int = 0
    ) throws -> [Intake] {
        var taken: [Intake] = []
        var deferred: [String] = []
        let deadline = ContinuousClock.now + timeout
        while taken.count < count, ContinuousClock.now < deadline {
            inbox.takeSettledFiles(&watch) { event in
                switch event {
                case .taken(let intake): taken.append(intake)
                case .deferred(let name, let reason): deferred.append("\(name): \(reason)")
                }
            }
            if taken.count < count { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(deferred.count == deferring, "\(deferred)")
        try #require(taken.count == count, "took \(taken.count) of \(count) files")
        return taken
    }

    func contents(_ subfolder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inboxFolder.appendingPathComponent(subfolder).path)) ?? []).sorted()
    }

    @Test func aSettledFileIsImportedViaTheInboxAndAcceptedWithItsReport() throws {
        try drop("export.csv", try Self.sample(rows: 40))
        var watch = InboxWatch()
        let intake = try #require(try take(with: inbox(), watch: &watch).first)
        #expect(!intake.rejected && !intake.recognised && intake.status == .scanned && intake.records == 40)
        #expect(contents("accepted") == ["export.csv", "export.exceptions.csv"])
        #expect(contents("") == ["accepted"], "nothing left in the inbox, nothing deleted")
        let entry = try ledger.activityEntry(try #require(intake.importID))
        #expect(entry.via == "inbox" && entry.droppedByEmail == "inbox@localhost" && entry.droppedByName == "Inbox" && entry.fileName == "export.csv")
        let audit = try ledger.audit(importID: intake.importID)
        #expect(!audit.isEmpty && audit.allSatisfy { $0.via == "inbox" && $0.byEmail == "inbox@localhost" })
    }

    @Test func aFileStillBeingWrittenIsNotReadHalfWay() throws {
        let bytes = try Self.sample(rows: 400)
        let url = inboxFolder.appendingPathComponent("growing.csv")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let upload = try FileHandle(forWritingTo: url)
        let inbox = inbox(settle: .milliseconds(400))
        var watch = InboxWatch()
        var taken = 0
        let half = bytes.count / 2
        // Written in pieces, each sooner after the last than the settle interval.
        for piece in stride(from: 0, to: half, by: half / 5) {
            try upload.write(contentsOf: Data(bytes[piece..<min(half, piece + half / 5)]))
            for _ in 0..<5 {
                inbox.takeSettledFiles(&watch) { if case .taken = $0 { taken += 1 } }
                Thread.sleep(forTimeInterval: 0.04)
            }
        }
        #expect(taken == 0)
        try upload.write(contentsOf: Data(bytes[half...]))
        try upload.close()
        let intake = try #require(try take(with: inbox, watch: &watch).first)
        #expect(intake.records == 400 && intake.errors == 0 && intake.fileErrors == 0)
    }

    @Test func withDoneMarkersAFileWaitsForItsMarker() throws {
        try drop("export.csv", try Self.sample(rows: 10))
        let inbox = inbox(doneMarker: true, settle: .milliseconds(1))
        var watch = InboxWatch()
        for _ in 0..<5 {
            inbox.takeSettledFiles(&watch) { _ in Issue.record("taken before its marker") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        try drop("export.csv.done", [])
        _ = try take(with: inbox, watch: &watch)
        #expect(contents("accepted") == ["export.csv", "export.csv.done", "export.exceptions.csv"])
    }

    @Test func theMaskTakesOnlyMatchingFilesAndNeverDotfilesOrSubfolders() throws {
        try drop("EXPORT.CSV", try Self.sample(rows: 5))
        try drop("notes.txt", Array("not a data exchange file".utf8))
        try drop(".partial.csv", try Self.sample(rows: 5))
        try FileManager.default.createDirectory(at: inboxFolder.appendingPathComponent("later.csv"), withIntermediateDirectories: true)
        var watch = InboxWatch()
        _ = try take(with: inbox(), watch: &watch)
        Thread.sleep(forTimeInterval: 0.3)
        inbox().takeSettledFiles(&watch) { _ in Issue.record("took a file the mask excludes") }
        #expect(contents("accepted") == ["EXPORT.CSV", "EXPORT.exceptions.csv"])
        #expect(contents("") == [".partial.csv", "accepted", "later.csv", "notes.txt"])
        #expect(InboxMask("export-??.csv").matches("Export-07.csv") && !InboxMask("export-??.csv").matches("export-7.csv"))
        #expect(InboxMask("*").matches("anything") && InboxMask("a*b*c").matches("aXbYbc") && !InboxMask("a*b*c").matches("aXbYb"))
    }

    @Test func aFileWithFileLevelErrorsIsRejectedWithItsReport() throws {
        try drop("wrong.csv", Array("Name,Colour\nAda,blue\n".utf8))
        var watch = InboxWatch()
        let intake = try #require(try take(with: inbox(), watch: &watch).first)
        #expect(intake.rejected && (intake.fileErrors ?? 0) > 0)
        #expect(contents("rejected") == ["wrong.csv", "wrong.exceptions.csv"])
        let report = try String(contentsOf: inboxFolder.appendingPathComponent("rejected/wrong.exceptions.csv"), encoding: .utf8)
        #expect(report.contains("missing-key-column"), "the report says what is wrong")
    }

    @Test func aFileImportedByARunThatStoppedBeforeMovingItIsNotImportedTwice() throws {
        let url = try drop("export.csv", try Self.sample(rows: 20))
        let (size, modified) = try #require(InboxFile.seen(url))
        // A run stopped right after the import: the file is still in the inbox.
        var identity = InboxWatch()
        let id = try #require(try identity.identity(of: InboxFile(url: url, size: size, modified: modified))).importID()
        _ = try ledger.importFile(at: url, name: "export.csv", id: id, actor: Self.service)
        var watch = InboxWatch()
        let intake = try #require(try take(with: inbox(), watch: &watch).first)
        #expect(intake.recognised && intake.importID == id && intake.status == .scanned)
        #expect(try ledger.activity().count == 1)
        #expect(contents("accepted") == ["export.csv", "export.exceptions.csv"])
    }

    @Test func aFileWhoseScanWasInterruptedIsTakenAgainAsANewImport() throws {
        let url = try drop("export.csv", try Self.sample(rows: 20))
        let (size, modified) = try #require(InboxFile.seen(url))
        var identity = InboxWatch()
        let first = try #require(try identity.identity(of: InboxFile(url: url, size: size, modified: modified))).importID()
        // A run stopped in the middle of the scan: the upload is recorded, its scan never.
        let stream = ImportState.stream(first)
        let uploaded = FileUploaded(importID: first, fileName: "export.csv", file: try ledger.blobs.store(fileAt: url), kind: .accountsAndAssets)
        _ = try ledger.record([try ledger.coder.event(uploaded, stream: stream, metadata: EventMetadata(actor: Self.service))], expecting: [stream: .noStream])
        var watch = InboxWatch()
        let intake = try #require(try take(with: inbox(), watch: &watch, deferring: 1).first)
        #expect(intake.importID != first && !intake.recognised && !intake.rejected && intake.status == .scanned && intake.records == 20)
        #expect(try ledger.activityEntry(first).status == "failed")
        #expect(contents("accepted") == ["export.csv", "export.exceptions.csv"])
    }

    /// Root reads any file: only another user can see a file it may not read.
    @Test(.enabled(if: getuid() != 0)) func aFileThatCannotBeReadStaysAndIsTakenOnceItCanBe() throws {
        let url = try drop("locked.csv", try Self.sample(rows: 10))
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: url.path)
        var watch = InboxWatch()
        var deferred: [String] = []
        for _ in 0..<20 {
            inbox().takeSettledFiles(&watch) { event in
                if case .deferred(let name, _) = event { deferred.append(name) } else { Issue.record("taken while unreadable") }
            }
            Thread.sleep(forTimeInterval: 0.03)
        }
        #expect(deferred == ["locked.csv"], "said once")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        _ = try take(with: inbox(), watch: &watch)
        #expect(contents("accepted") == ["locked.csv", "locked.exceptions.csv"])
    }

    @Test func theSameBytesDroppedAgainLaterAreANewImportBesideTheFirst() throws {
        let bytes = try Self.sample(rows: 20)
        let url = try drop("export.csv", bytes)
        var watch = InboxWatch()
        let first = try #require(try take(with: inbox(), watch: &watch).first)
        try drop("export.csv", bytes)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: url.path)
        let second = try #require(try take(with: inbox(), watch: &watch).first)
        #expect(first.importID != second.importID && !second.recognised)
        #expect(try ledger.activity().count == 2)
        #expect(contents("accepted") == ["export (2).csv", "export (2).exceptions.csv", "export.csv", "export.exceptions.csv"])
    }

    @Test func theInboxPolicyMayApproveAtOnce() throws {
        try ledger.setApprovalPolicy(.autoUnlessErrors, for: .inbox, actor: Actor(name: "Ada", email: "ada@utility.example", via: .cli))
        try drop("clean.csv", try Self.sample(rows: 30))
        var watch = InboxWatch()
        let intake = try #require(try take(with: inbox(), watch: &watch).first)
        #expect(intake.status == .imported && !intake.rejected)
        #expect(try ledger.activityEntry(try #require(intake.importID)).status == "imported")
    }

    @Test func theServiceUserMustExistBeEnabledAndMayImport() throws {
        let admin = Actor(name: "Ada", email: "ada@utility.example", via: .cli)
        #expect(throws: LedgerError.self) { try Inbox.serviceActor(email: "inbox@localhost", in: ledger) }
        _ = try ledger.createUser(name: "Auditor", email: "audit@localhost", role: .auditor, passwordHash: "", actor: admin)
        #expect(throws: LedgerError.self) { try Inbox.serviceActor(email: "audit@localhost", in: ledger) }
        _ = try ledger.createUser(name: "Inbox", email: "inbox@localhost", role: .importer, passwordHash: "", actor: admin)
        #expect(try Inbox.serviceActor(email: "inbox@localhost", in: ledger) == Self.service)
    }

    /// Two servers on one database watching one shared folder: each file is imported once.
    @Test(arguments: StorageBackend.allCases) func twoInboxesOnOneLedgerTakeEachFileOnce(backend: StorageBackend) throws {
        let (first, second): (Ledger, Ledger)
        switch backend {
        case .sqlite:
            first = ledger
            second = try Ledger(path: scratch.appendingPathComponent("ledger.sqlite").path)
        case .postgreSQL:
            let url = try databases.newSchema()
            first = try Ledger(location: LedgerLocation(option: url, environment: [:]), localFolder: scratch.appendingPathComponent("first").path)
            second = try Ledger(location: LedgerLocation(option: url, environment: [:]), localFolder: scratch.appendingPathComponent("second").path)
        }
        let count = 12
        for file in 0..<count { try drop("export-\(file).csv", try Self.sample(rows: 5, seed: UInt64(file + 1))) }
        let inboxes = [inbox(on: first, settle: .milliseconds(50)), inbox(on: second, settle: .milliseconds(50))]
        let folder = inboxFolder
        DispatchQueue.concurrentPerform(iterations: 2) { which in
            var watch = InboxWatch()
            let deadline = Date().addingTimeInterval(60)
            func waiting() -> Bool { ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).contains { $0.hasSuffix(".csv") } }
            while Date() < deadline, waiting() {
                inboxes[which].takeSettledFiles(&watch) { _ in }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        #expect(try first.activity(limit: 100).count == count)
        #expect(Set(try first.activity(limit: 100).map(\.fileName)).count == count)
        #expect(contents("accepted").count == 2 * count)
        #expect(!contents("accepted").contains { $0.contains("(2)") })
    }
}
