import DataExchange
import Foundation
import GRDB
@testable import Ledger
import Testing
import TestSupport

/// Approving imports: only what really changed is applied, in file order, all or nothing.
@Suite struct ApprovalTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    static let ada = ImportLifecycleTests.ada
    static let header = ImportLifecycleTests.header + ",Location_Address_Line2,Endpoint_SN,Endpoint_Type"

    init() throws {
        scratch = try TemporaryFolder("ledger-approvals")
        databases = try ContractDatabases()
    }

    /// Opens this test's ledger on `backend`.
    func use(_ backend: StorageBackend) throws { opened.ledger = try databases.ledger(backend, in: folder) }

    func importRows(_ rows: [String], header: String = Self.header, name: String = UUID().uuidString + ".csv") throws -> UUID {
        let url = folder.appendingPathComponent(name)
        try ([header] + rows).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        return try ledger.importFile(at: url, actor: Self.ada).id
    }

    static let first = [
        "A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,Unit 4,E1,m",
        "A2,L2,001,W,M2,Neptune,T-10,5/8,IN,N,GAL,1,2020-01-15,,E2,M",
        "A3,,001,W,M3,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,,,",
    ]

    @Test(arguments: StorageBackend.allCases) func aFirstImportCreatesWhatIsReadyAndSkipsTheRest(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows(Self.first)
        let outcome = try ledger.approve(id, actor: Self.ada)
        #expect(outcome.imported == 2 && outcome.unchanged == 0 && outcome.skipped == 1)
        #expect(!outcome.rescanned)
        let (state, _) = try ledger.currentState()
        #expect(state.fields(.register, "M1")?["Meter_Size"] == "0.625")
        #expect(state.fields(.register, "M1")?["Location_ID"] == "L1")
        #expect(state.fields(.endpoint, "E1")?["Endpoint_Type"] == "M")
        #expect(state.fields(.location, "L1")?["Location_Address_Line2"] == "Unit 4")
        // Record 2's meter has an error: its register is skipped, its account and location import.
        #expect(state.fields(.register, "M2") == nil)
        #expect(state.fields(.account, "A2") != nil)
        // Record 3 has no location: nothing of it imports.
        #expect(state.fields(.account, "A3") == nil && state.fields(.register, "M3") == nil)
        let entry = try ledger.activityEntry(id)
        #expect(entry.status == "imported" && entry.imported == 2 && entry.skipped == 1 && entry.decidedByEmail == "ada@utility.example")
        #expect(try ledger.verify() == (try ledger.lastPosition()))
    }

    @Test(arguments: StorageBackend.allCases) func theVerySameFileAgainChangesNothingAndSaysSo(backend: StorageBackend) throws {
        try use(backend)
        let first = try importRows(Self.first, name: "export.csv")
        try ledger.approve(first, actor: Self.ada)
        let url = folder.appendingPathComponent("export.csv")
        let again = try ledger.importFile(at: url, actor: Self.ada)
        #expect(again.sameFileAs == first)
        #expect(again.summary.warnings == 0)
        let outcome = try ledger.approve(again.id, actor: Self.ada)
        #expect(outcome.imported == 0 && outcome.unchanged == 2 && outcome.skipped == 1)
    }

    @Test(arguments: StorageBackend.allCases) func blankKeepsClearErasesAndEqualChangesNothing(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        let id = try importRows(["A1,L1,001,,M1,,,1,,,,,2020-01-15,_CLEAR_,E1,"])
        let outcome = try ledger.approve(id, actor: Self.ada)
        #expect(outcome.imported == 1)
        let (state, _) = try ledger.currentState()
        #expect(state.fields(.register, "M1")?["Meter_Size"] == "1")
        #expect(state.fields(.register, "M1")?["Meter_Manufacturer"] == "Neptune")
        #expect(state.fields(.location, "L1")?["Location_Address_Line2"] == nil)
        let changes = try ledger.events(in: ImportState.changesStream(id)).compactMap { try EventCoder.ledger.decode($0, as: RecordApplied.self) }
        #expect(changes.count == 1)
        let register = try #require(changes[0].changes.first { $0.kind == .register })
        #expect(register.fields == ["Meter_Size": FieldChange(old: "0.625", new: "1")])
        #expect(!register.created)
        let location = try #require(changes[0].changes.first { $0.kind == .location })
        #expect(location.fields == ["Location_Address_Line2": FieldChange(old: "Unit 4", new: nil)])
    }

    @Test(arguments: StorageBackend.allCases) func recordsApplyInFileOrder(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows([
            "A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,,,",
            "A1,L1,001,W,M1,Neptune,T-10,0.75,IN,N,GAL,1,2021-01-15,,,",
        ])
        let outcome = try ledger.approve(id, actor: Self.ada)
        #expect(outcome.imported == 2)
        #expect(try ledger.currentState().0.fields(.register, "M1")?["Meter_Size"] == "0.75")
    }

    @Test(arguments: StorageBackend.allCases) func anApprovalIsRefusedTwiceAndAfterACancellation(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows(Self.first)
        try ledger.approve(id, actor: Self.ada)
        let twice = try #require(throws: LedgerError.self) { try ledger.approve(id, actor: Self.ada) }
        #expect(twice.code == .invalidState && twice.message.contains("already approved"))
        let other = try importRows(Self.first)
        try ledger.cancel(other, reason: nil, actor: Self.ada)
        #expect(throws: LedgerError.self) { try ledger.approve(other, actor: Self.ada) }
        #expect(throws: LedgerError.self) { try ledger.cancel(id, reason: nil, actor: Self.ada) }
    }

    @Test(arguments: StorageBackend.allCases) func aScanMadeBeforeTheLedgerChangedIsMadeAgain(backend: StorageBackend) throws {
        try use(backend)
        let early = try importRows(["A9,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,,,"])
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        let outcome = try ledger.approve(early, actor: Self.ada)
        #expect(outcome.rescanned)
        let scans = try ledger.events(in: ImportState.stream(early)).compactMap { try EventCoder.ledger.decode($0, as: ScanCompleted.self) }
        #expect(scans.count == 2)
        #expect(scans[1].byCode["account-changed"] == 1)
        #expect(try ledger.currentState().0.fields(.serviceAgreement, "L1/001")?["Account_ID"] == "A9")
    }

    @Test(arguments: StorageBackend.allCases) func aLaterScanSeesTheLedger(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        // M1 is known now: its not-empty fields may be blank, and its move is a warning.
        let url = folder.appendingPathComponent("move.csv")
        try ([Self.header, "A1,L9,001,W,M1,,,,,,,,2021-01-15,,,"]).joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let outcome = try ledger.importFile(at: url, actor: Self.ada)
        #expect(outcome.summary.errors == 0)
        #expect(outcome.summary.byCode["meter-moved"] == 1)
    }
}

extension ApprovalTests {
    @Test(arguments: StorageBackend.allCases) func anEntitysHistoryShowsEveryChangeWithWhoAndWhere(backend: StorageBackend) throws {
        try use(backend)
        let first = try importRows(Self.first)
        try ledger.approve(first, actor: Self.ada)
        let bob = Actor(name: "Bob", email: "bob@utility.example", via: .cli)
        let second = try importRows(["A1,L1,001,,M1,,,1,,,,,2020-01-15,,,"])
        try ledger.approve(second, actor: bob)
        // The register's own changes; the endpoint that reads it is in its history too.
        let all = try ledger.history(of: .register("M1"))
        #expect(all.map(\.kind) == [.register, .endpoint, .register])
        let history = all.filter { $0.kind == .register }
        #expect(history[0].created && history[0].importID == first && history[0].record == 1 && history[0].line == 2)
        #expect(history[0].fields["Meter_Size"] == FieldChange(old: nil, new: "0.625"))
        #expect(!history[1].created && history[1].importID == second && history[1].byEmail == "bob@utility.example")
        #expect(history[1].fields == ["Meter_Size": FieldChange(old: "0.625", new: "1")])
        // As of the first import, the second change had not happened.
        let asOf = try ledger.history(of: .register("M1"), asOf: history[0].position)
        #expect(asOf.map(\.kind) == [.register, .endpoint])
        #expect(try ledger.history(of: .meter("M1")).count == 3)
        // The account, and its agreement at L1/001.
        #expect(try ledger.history(of: .account("A1")).map(\.kind) == [.account, .serviceAgreement])
        // The location, its service point and agreement, and the register placed there.
        #expect(try ledger.history(of: .location("L1")).map(\.kind) == [.location, .servicePoint, .serviceAgreement, .register])
        #expect(try ledger.history(of: .register("M404")).isEmpty)
    }
}

extension ApprovalTests {
    @Test(arguments: StorageBackend.allCases) func replayRebuildsExactlyWhatWasKept(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        try ledger.approve(try importRows(["A1,L1,001,,M1,,,1,,,,,2020-01-15,_CLEAR_,E1,"]), actor: Self.ada)
        try ledger.cancel(try importRows(Self.first), reason: "twice", actor: Self.ada)
        let ivy = try ledger.createUser(name: "Ivy", email: "ivy@utility.example", role: .importer, passwordHash: "$2b$04$hash", actor: Self.ada)
        try ledger.recordSignIn(ivy, via: .ui, clientAddress: nil)
        let kept = try ledger.projectionDump()
        // Every projection holds what the log put there: three imports, one user, the entities
        // of the two approvals, their history rows, and the digest pages they fall in.
        #expect(Dictionary(grouping: kept) { String($0.prefix { $0 != " " }) }.mapValues(\.count)
            == ["activity": 3, "users": 1, "state": 11, "entity_changes": 7, "state_digest_pages": 9])
        #expect(kept.contains { $0.hasPrefix("users ") })
        let events = try ledger.replay()
        #expect(events == (try ledger.lastPosition()))
        #expect(try ledger.projectionDump() == kept)
        #expect(try ledger.history(of: .register("M1")).filter { $0.kind == .register }.count == 2)
        // The password hash is no projection: replay leaves it where it was.
        #expect(try ledger.user(email: "ivy@utility.example")?.passwordHash == "$2b$04$hash")
    }

    @Test(arguments: StorageBackend.allCases) func aBackupIsAVerifiedCopy(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        let path = folder.appendingPathComponent("backup.sqlite").path
        guard backend == .sqlite else {
            // PostgreSQL has its own tools for a consistent copy, and the ledger says which.
            let refusal = try #require(throws: LedgerError.self) { try ledger.backup(to: path) }
            #expect(refusal.message.contains("pg_dump") && !FileManager.default.fileExists(atPath: path))
            return
        }
        var steps: [(Ledger.BackupStep, done: Int, total: Int)] = []
        let events = try ledger.backup(to: path) { steps.append(($0, $1, $2)) }
        #expect(events == (try ledger.lastPosition()))
        // It says how far it is: the pages copied, then the events verified, each to the end.
        let copying = steps.filter { $0.0 == .copying }, verifying = steps.filter { $0.0 == .verifying }
        #expect(steps.map(\.0) == copying.map(\.0) + verifying.map(\.0))
        #expect(copying.last.map { $0.done == $0.total && $0.total > 0 } == true)
        #expect(verifying.last.map { $0.done == Int(events) && $0.total == Int(events) } == true)
        let copy = try Ledger(path: path)
        #expect(try copy.projectionDump() == (try ledger.projectionDump()))
        let id = try #require(try copy.activity().first.flatMap { UUID(uuidString: $0.id) })
        try copy.blobs.check(try copy.originalFile(id))
        try copy.blobs.check(try copy.exceptionsReport(id))
    }
}

extension ApprovalTests {
    @Test(arguments: StorageBackend.allCases) func theAuditTrailSaysWhoDidWhatAndFiltersByUserImportAndTime(backend: StorageBackend) throws {
        try use(backend)
        let first = try importRows(Self.first)
        let bob = Actor(name: "Bob", email: "bob@utility.example", via: .api)
        try ledger.approve(first, actor: bob)
        let all = try ledger.audit()
        #expect(all.map(\.action).prefix(4) == ["FileUploaded", "ScanCompleted", "ChangesPreviewed", "ImportApproved"])
        #expect(all[2].outcome == "approving it changes: 2 new services, 1 meter install, 2 endpoint installs, 2 accounts opened, 0 unchanged, 1 skipped, 1 blocked component")
        #expect(all.last?.action == "ImportCompleted" && all.last?.outcome == "2 imported, 0 unchanged, 1 skipped")
        let bobs = try ledger.audit(user: "bob@utility.example")
        #expect(bobs.allSatisfy { $0.byEmail == "bob@utility.example" && $0.via == "api" } && bobs.count == 4)
        #expect(try ledger.audit(user: "ada@utility.example").map(\.action) == ["FileUploaded", "ScanCompleted", "ChangesPreviewed"])
        let other = try importRows(Self.first)
        #expect(try ledger.audit(importID: other).count == 3)
        #expect(try ledger.audit(since: Date().addingTimeInterval(3_600)).isEmpty)
        #expect(try ledger.audit(until: Date().addingTimeInterval(-3_600)).isEmpty)
        #expect(bobs.contains { $0.object.contains("record 1: Account A1") })
        // By entity: the events that changed it, and only those.
        try ledger.approve(try importRows(["A1,L1,001,W,M1,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,Unit 4,E1,m"]), actor: Self.ada)
        let meter = try ledger.audit(entity: .meter("M1"))
        #expect(meter.map(\.action) == ["RecordApplied", "RecordApplied"] && meter.map(\.byEmail) == ["bob@utility.example", "ada@utility.example"])
        #expect(try ledger.audit(entity: .account("A2")).count == 1)
        #expect(try ledger.audit(entity: .account("nobody")).isEmpty)
        #expect(try ledger.audit(user: "ada@utility.example", entity: .meter("M1")).count == 1)
    }
}

extension ApprovalTests {
    /// A swap takes the old endpoint off the register (rule 14), and a later record that gives it
    /// a removal date names the register again: the register's row takes the endpoint in place,
    /// whatever order a dictionary lists them in.
    @Test(arguments: StorageBackend.allCases) func anExportGivesARegisterTheEndpointInPlace(backend: StorageBackend) throws {
        try use(backend)
        let header = ImportLifecycleTests.header + ",Endpoint_SN,Endpoint_Type,Endpoint_Install_Date"
        func approve(_ endpoint: (Int) -> String) throws {
            let rows = (1...12).map { "A\($0),L\($0),001,W,M\($0),Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,\(endpoint($0))" }
            try ledger.approve(try importRows(rows, header: header), actor: Self.ada)
        }
        // Half the new endpoints come with a later install date, half with none and a later
        // removal of the old one: the one in place is the new one either way.
        try approve { "OLD\($0),M,2020-01-15" }
        try approve { $0.isMultiple(of: 2) ? "NEW\($0),M,2023-06-01" : "NEW\($0),M," }
        let removals = folder.appendingPathComponent("removals.csv")
        try (["Endpoint_SN,Endpoint_Removal_Date,Account_ID,Location_ID,Service_Point_ID,Meter_ID"]
            + (1...12).filter { !$0.isMultiple(of: 2) }.map { "OLD\($0),2023-06-01,A\($0),L\($0),001,M\($0)" })
            .joined(separator: "\n").appending("\n").write(to: removals, atomically: true, encoding: .utf8)
        try ledger.approve(try ledger.importFile(at: removals, actor: Self.ada).id, actor: Self.ada)
        let state = try ledger.currentState().0
        #expect(state.fields(.endpoint, "OLD1")?["Meter_ID"] == "M1" && state.fields(.endpoint, "NEW1")?["Meter_ID"] == "M1")
        let text = state.dataExchangeFile(specification: try ledger.specification).text
        // Written from the state table as it is read, the same bytes.
        let exported = folder.appendingPathComponent("exported.csv")
        let written = try ledger.exportState(to: try OutputFile(path: exported.path))
        #expect(try String(contentsOf: exported, encoding: .utf8) == text && written == (12, text.utf8.count))
        // As of now, from the log's fold (entities it changed decoded, the others as created): the same bytes.
        let asOfNow = folder.appendingPathComponent("as-of-now.csv")
        _ = try ledger.exportState(to: try OutputFile(path: asOfNow.path), asOf: try ledger.lastPosition())
        #expect(try String(contentsOf: asOfNow, encoding: .utf8) == text)
        let lines = text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let (meter, serial) = (try #require(lines[0].firstIndex(of: "Meter_ID")), try #require(lines[0].firstIndex(of: "Endpoint_SN")))
        #expect(lines.count == 13)
        for line in lines.dropFirst() { #expect(line[serial] == "NEW" + line[meter].dropFirst(), "\(line[meter])") }
    }

    /// A column that an amended specification adds (stored under its name, not a number) and
    /// values that need quotes come out of an export as they went in, from either source.
    @Test(arguments: StorageBackend.allCases) func anExportWritesAnAmendedColumnAndQuotedValues(backend: StorageBackend) throws {
        try use(backend)
        let path = folder.appendingPathComponent("amended.csv").path
        try (try Specification.bundled().csv + "Meter_Colour,,Meter,40,text,,optional,yes,The paint on the lid.\r\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let amendedFolder = folder.appendingPathComponent("amended")
        try FileManager.default.createDirectory(at: amendedFolder, withIntermediateDirectories: true)
        let amended = try databases.ledger(backend, in: amendedFolder, specification: try Specification.load(contentsOf: path))
        let url = folder.appendingPathComponent("colours.csv")
        try [
            ImportLifecycleTests.header + ",Meter_Colour,Location_Address_Line2",
            #"A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,"blue, green","Unit ""4""""#,
            "A2,L2,001,W,M2,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,red,",
        ].joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        try amended.approve(try amended.importFile(at: url, actor: Self.ada).id, actor: Self.ada)
        let exported = folder.appendingPathComponent("exported.csv")
        _ = try amended.exportState(to: try OutputFile(path: exported.path))
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text == (try amended.currentState().0.dataExchangeFile(specification: try amended.specification).text))
        #expect(text.hasPrefix("Account_ID,") && text.split(separator: "\r\n").first?.hasSuffix(",Meter_Colour") == true)
        #expect(text.contains(#","blue, green"\#r\#n"#) && text.contains(",red\r\n") && text.contains(#","Unit ""4""","#))
        let again = try amended.importFile(at: exported, actor: Self.ada)
        #expect(try amended.approve(again.id, actor: Self.ada).unchanged == 2)
    }

    @Test(arguments: StorageBackend.allCases) func theExportedStateImportsBackWithoutAChange(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        try ledger.approve(try importRows([
            "A1,L1,002,I,M7,Sensus,iPERL,1,IN,Y,CCF,10,2021-03-01,,E7,c",
            "A5,L5,001,W,M8,Badger Meter,E-Series,0.75,IN,N,GAL,1,2022-03-01,,,",
        ]), actor: Self.ada)
        let text = try ledger.currentState().0.dataExchangeFile(specification: try ledger.specification).text
        let url = folder.appendingPathComponent("exported.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let again = try ledger.importFile(at: url, actor: Self.ada)
        #expect(again.summary.records == 3 && again.summary.errors == 0, "\(again.summary.byCode)")
        let outcome = try ledger.approve(again.id, actor: Self.ada)
        #expect(outcome.imported == 0 && outcome.unchanged == 3)
    }

    @Test(arguments: StorageBackend.allCases) func theStateAsOfAnEarlierPositionIsTheStateThen(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        let then = try ledger.lastPosition()
        try ledger.approve(try importRows(["A1,L1,001,,M1,,,1,,,,,2020-01-15,,,"]), actor: Self.ada)
        #expect(try ledger.state(asOf: then).fields(.register, "M1")?["Meter_Size"] == "0.625")
        #expect(try ledger.currentState().0.fields(.register, "M1")?["Meter_Size"] == "1")
        #expect(try ledger.state(asOf: try ledger.lastPosition()).entities[.register] == (try ledger.currentState().0.entities[.register]))
    }
}

extension ApprovalTests {
    @Test(arguments: StorageBackend.allCases) func theSameFileThatMovesARegisterBackAndForthStillChangesNothingTheSecondTime(backend: StorageBackend) throws {
        try use(backend)
        let rows = [
            "A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,,,",
            "A2,L2,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2021-01-15,,,",
        ]
        let first = try importRows(rows, name: "moves.csv")
        #expect(try ledger.approve(first, actor: Self.ada).imported == 2)
        let again = try ledger.importFile(at: folder.appendingPathComponent("moves.csv"), actor: Self.ada)
        #expect(again.sameFileAs == first)
        let outcome = try ledger.approve(again.id, actor: Self.ada)
        #expect(outcome.imported == 0 && outcome.unchanged == 2)
        #expect(try ledger.currentState().0.fields(.register, "M1")?["Location_ID"] == "L2")
        // Once the ledger has changed since, the same file is applied again, record by record.
        try ledger.approve(try importRows(["A3,L3,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2022-01-15,,,"]), actor: Self.ada)
        let third = try ledger.importFile(at: folder.appendingPathComponent("moves.csv"), actor: Self.ada)
        #expect(try ledger.approve(third.id, actor: Self.ada).imported == 2)
    }
}

extension ApprovalTests {
    /// A scan reads a narrow copy of the state; it must answer as the whole state would.
    @Test(arguments: StorageBackend.allCases) func theScanStateAnswersAsTheCurrentStateDoes(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        try ledger.approve(try importRows([
            "A9,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2021-03-01,,E2,M",
            "A2,L2,002,W,M2,Neptune,T-10,1,IN,N,GAL,1,2019-05-15,,E1,m",
            "A2,L2,001,W,M4,Neptune,T-10,1,IN,N,GAL,L,2019-05-15,,,",
        ]), actor: Self.ada)
        let (scan, scanVersion) = try ledger.scanState()
        let (state, stateVersion) = try ledger.currentState()
        #expect(scanVersion == stateVersion)
        #expect(!scan.isEmpty)
        let ids = ["A1", "A2", "A3", "A9", "L1", "L2", "L9", "M1", "M2", "M3", "M4", "E1", "E2", "E3", ""]
        for id in ids {
            #expect(scan.hasAccount(id) == state.hasAccount(id), "account \(id)")
            #expect(scan.hasLocation(id) == state.hasLocation(id), "location \(id)")
            #expect(scan.meter(id) == state.meter(id), "meter \(id)")
            #expect(scan.endpoint(id) == state.endpoint(id), "endpoint \(id)")
            for register in ["", "L", "1"] {
                #expect(scan.register(RegisterKey(meter: id, register: register)) == state.register(RegisterKey(meter: id, register: register)))
            }
            for point in ["001", "002"] {
                #expect(scan.servicePoint(ServicePointKey(location: id, servicePoint: point)) == state.servicePoint(ServicePointKey(location: id, servicePoint: point)))
            }
        }
        #expect(scan.meter("M1")?.servicePoint == ServicePointKey(location: "L1", servicePoint: "001"))
        #expect(scan.servicePoint(ServicePointKey(location: "L1", servicePoint: "001"))?.account == "A9")
        #expect(scan.endpoint("E2")?.register == RegisterKey(meter: "M1", register: ""))
    }
}

extension ApprovalTests {
    @Test(arguments: StorageBackend.allCases) func aMetersAndAServicePointsConfigurationPeriodsFollowTheirMoves(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        try ledger.approve(try importRows([
            "A1,L2,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2021-01-15,,E1,m",
            "A9,L1,001,W,M5,Neptune,T-10,0.625,IN,N,GAL,1,2021-01-15,,,",
        ]), actor: Self.ada)
        let meter = try ledger.periods(of: .meter("M1"))
        #expect(meter.map(\.configuration) == ["service point L1/001", "service point L2/001"])
        #expect(meter[0].untilPosition == meter[1].fromPosition && meter[1].until == nil)
        #expect(meter.allSatisfy { $0.subject == "Register M1" })
        // The service point: M1 until it moved, M5 since; account A1, then A9.
        let point = try ledger.periods(of: .servicePoint(location: "L1", servicePoint: "001"))
        #expect(point.map(\.configuration) == ["service point L1/001", "account A1", "service point L1/001", "account A9"])
        #expect(point.map(\.subject) == ["Register M1", "ServiceAgreement L1/001", "Register M5", "ServiceAgreement L1/001"])
        #expect(point[0].until != nil && point[2].until == nil)
        // As of the first import, the meter had one period, still open then.
        let then = try ledger.periods(of: .meter("M1"), asOf: meter[0].fromPosition)
        #expect(then.count == 1 && then[0].until == nil)
    }

    /// A period also carries the dates the file gives it: a register's install and removal dates,
    /// an agreement's start and end; a removal or an end recorded later closes it in the field.
    @Test(arguments: StorageBackend.allCases) func aConfigurationPeriodCarriesTheDatesInTheField(backend: StorageBackend) throws {
        try use(backend)
        let header = ImportLifecycleTests.header + ",Meter_Removal_Date,SA_Start_Date,SA_End_Date"
        func approve(_ row: String) throws -> UUID {
            let id = try importRows([row], header: header)
            #expect(try ledger.approve(id, actor: Self.ada).imported == 1)
            return id
        }
        let meterRow = ",W,M1,Neptune,T-10,0.625,IN,N,GAL,1"
        _ = try approve("A1,L1,001\(meterRow),2020-01-15,,2020-01-10,")
        // M1 moves to L2/001; A9 moves in at L1/001.
        _ = try approve("A9,L2,001\(meterRow),2023-06-01,,2023-05-01,")
        _ = try approve("A9,L1,001,W,M2,Neptune,T-10,0.625,IN,N,GAL,1,2023-05-01,,2023-05-01,")
        let moved = try ledger.periods(of: .meter("M1"))
        // Then M1 is removed, and A9's agreement at L1/001 ends.
        _ = try approve("A9,L2,001\(meterRow),,2024-03-01,,")
        _ = try approve("A9,L1,001,W,M2,Neptune,T-10,0.625,IN,N,GAL,1,,,,2024-02-28")

        let meter = try ledger.periods(of: .meter("M1"))
        #expect(meter.map(\.configuration) == ["service point L1/001", "service point L2/001"])
        #expect(meter.map(\.startDate) == ["2020-01-15", "2023-06-01"] && meter.map(\.endDate) == [nil, "2024-03-01"])
        #expect(meter.map(\.fieldDates) == ["installed 2020-01-15", "installed 2023-06-01, removed 2024-03-01"])
        #expect(moved.map(\.endDate) == [nil, nil], "before the removal was recorded")
        let point = try ledger.periods(of: .servicePoint(location: "L1", servicePoint: "001")).filter { $0.kind == .serviceAgreement }
        #expect(point.map(\.configuration) == ["account A1", "account A9"])
        #expect(point.map(\.fieldDates) == ["started 2020-01-10", "started 2023-05-01, ended 2024-02-28"])
        // The register's history keeps recording times apart from the dates in the field.
        #expect(meter[1].untilPosition == nil && meter[0].untilPosition == meter[1].fromPosition)
    }
}

extension ApprovalTests {
    /// Records that repeat what the ledger holds are recognised by their fields' digest, whatever
    /// the file; one differing field is still found, with the stored value as its old value.
    @Test(arguments: StorageBackend.allCases) func recordsThatRepeatTheLedgerChangeNothingInAnotherFileToo(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        let reordered = try importRows([Self.first[1], Self.first[0]])
        let outcome = try ledger.approve(reordered, actor: Self.ada)
        #expect(outcome.imported == 0 && outcome.unchanged == 2 && outcome.skipped == 0)
        let changed = try importRows([Self.first[0].replacingOccurrences(of: "Unit 4", with: "Unit 5"), Self.first[1]])
        #expect(try ledger.approve(changed, actor: Self.ada).imported == 1)
        let applied = try ledger.events(in: ImportState.changesStream(changed)).compactMap { try EventCoder.ledger.decode($0, as: RecordApplied.self) }
        #expect(applied.flatMap(\.changes).map(\.fields) == [["Location_Address_Line2": FieldChange(old: "Unit 4", new: "Unit 5")]])
        let kept = try ledger.projectionDump()
        try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
    }
}

extension ApprovalTests {
    /// A new entity is kept encoded until a later record of the same file changes it; what it
    /// ends as, and its history, are what the general way makes (which a replay takes).
    @Test(arguments: StorageBackend.allCases) func laterRecordsOfTheSameFileRepeatChangeAndKeepWhatAnEarlierOneCreated(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows([
            "A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,Unit 4,E1,M",
            "A1,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,Unit 4,E1,M",
            "A1,L1,001,W,M3,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,Unit 5,E3,M",
            "A1,L1,001,W,M4,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,,E4,M",
            "A2,L2,001,W,M2,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,_CLEAR_,E2,M",
        ])
        let outcome = try ledger.approve(id, actor: Self.ada)
        #expect(outcome.imported == 4 && outcome.unchanged == 1 && outcome.skipped == 0)
        let (state, _) = try ledger.currentState()
        // Changed by record 3, kept by record 4's blank.
        #expect(state.fields(.location, "L1") == ["Location_Address_Line2": "Unit 5"])
        #expect(state.fields(.register, "M3")?["Meter_Size"] == "1")
        // A new entity that a cell erases is made the general way: nothing to erase.
        #expect(state.fields(.location, "L2") == [:])
        #expect(state.fields(.endpoint, "E2")?["Meter_ID"] == "M2")
        let history = try ledger.history(of: .location("L1")).filter { $0.kind == .location }
        #expect(history.map(\.record) == [1, 3] && history.map(\.created) == [true, false])
        #expect(history[1].fields == ["Location_Address_Line2": FieldChange(old: "Unit 4", new: "Unit 5")])
        let kept = try ledger.projectionDump()
        try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
    }
}

extension ApprovalTests {
    /// An account's history has the service points it was at (its agreements), and a register's
    /// the endpoints that read it; a ledger whose index was made without them gets them when opened.
    @Test(arguments: StorageBackend.allCases) func anAccountsHistoryHasItsServicePointsAndARegistersItsEndpoints(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        // A9 moves in at L1/001, and endpoint E7 takes over from E1 on meter M1: E1 comes off it.
        try ledger.approve(try importRows(["A9,L1,001,W,M1,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,,E7,m"]), actor: Self.ada)
        func check(_ ledger: Ledger) throws {
            let account = try ledger.history(of: .account("A1"))
            #expect(account.map(\.kind) == [.account, .serviceAgreement, .serviceAgreement])
            #expect(account.last?.fields["Account_ID"] == FieldChange(old: "A1", new: "A9"))
            let periods = try ledger.periods(of: .account("A1"))
            #expect(periods.map(\.configuration) == ["account A1", "account A9"] && periods.allSatisfy { $0.subject == "ServiceAgreement L1/001" })
            #expect(periods[0].untilPosition == periods[1].fromPosition)
            #expect(try ledger.periods(of: .account("A9")).map(\.configuration) == ["account A9"])
            #expect(try ledger.history(of: .account("A2")).map(\.key) == ["A2", "L2/001"])
            for subject in [Ledger.Subject.register("M1"), .meter("M1")] {
                let endpoints = try ledger.history(of: subject).filter { $0.kind == .endpoint }
                #expect(endpoints.map(\.key) == ["E1", "E7", "E1"])
                #expect(endpoints.prefix(2).allSatisfy { $0.fields["Meter_ID"]?.new == "M1" })
                #expect(endpoints.last?.fields["Meter_ID"] == FieldChange(old: "M1", new: nil))
            }
            // As of the first approval, neither the move nor the new endpoint had happened.
            let first = try #require(try ledger.history(of: .account("A1")).first?.position)
            #expect(try ledger.periods(of: .account("A1"), asOf: first).map { $0.until == nil } == [true])
            #expect(try ledger.history(of: .meter("M1"), asOf: first).filter { $0.kind == .endpoint }.map(\.key) == ["E1"])
        }
        try check(ledger)
        // A ledger from before the index kept these links, as an older build left it.
        let older = "DELETE FROM entity_changes; UPDATE projections_version SET version = 1"
        switch ledger.location.backend {
        case .sqlite(let path):
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: older) }
            try queue.close()
        case .postgreSQL(let url):
            try PostgreSQLConnection(url: url).executeScript(older)
        }
        let reopened = try Ledger(location: ledger.location, localFolder: folder.appendingPathComponent("reopened").path)
        try check(reopened)
        #expect(try reopened.projectionDump() == (try ledger.projectionDump()))
    }
}

extension ApprovalTests {
    /// A replay does not take the ledger from its readers: in the middle of it, another process
    /// reads the projections as they were, without waiting; after it, as rebuilt.
    @Test(arguments: StorageBackend.allCases) func readersKeepTheProjectionsWhileAReplayRebuildsThem(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows(Self.first)
        try ledger.approve(id, actor: Self.ada)
        let kept = try ledger.projectionDump()
        let reader = try Ledger(location: ledger.location, localFolder: folder.appendingPathComponent("reader").path)
        var readInTheMiddle: Result<(dump: [String], status: String, history: Int), any Error>?
        try ledger.replay { done, _ in
            guard done == 0 else { return }
            readInTheMiddle = Result { (try reader.projectionDump(), try reader.activityEntry(id).status, try reader.history(of: .register("M1")).count) }
        }
        let middle = try #require(readInTheMiddle).get()
        #expect(middle.dump == kept && middle.status == "imported" && middle.history > 0)
        #expect(try reader.projectionDump() == kept)
        #expect(try reader.history(of: .register("M1")).count == middle.history)
    }

    /// A replay that stops in the middle, after what it had folded so far was written (a few
    /// entities at a time), leaves the projections as they were; on PostgreSQL, none of the
    /// tables it was building beside them either.
    @Test(arguments: StorageBackend.allCases) func aReplayThatStopsInTheMiddleLeavesTheProjectionsAsTheyWere(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.first), actor: Self.ada)
        let kept = try ledger.projectionDump()
        // A record the replay cannot read, after the ones it can.
        let unreadable = NewEvent(stream: "import-unreadable", type: RecordApplied.type, schemaVersion: RecordApplied.schemaVersion, data: Data("{}".utf8),
                                  metadata: EventMetadata(actor: Self.ada))
        _ = try ledger.storage.record([unreadable], expecting: [:], credential: nil)
        #expect(throws: (any Error).self) { try ledger.replay(holding: 2) }
        #expect(try ledger.projectionDump() == kept)
        if let postgreSQL = ledger.storage as? PostgreSQLStorage {
            let left = try postgreSQL.read { connection in
                // This ledger's own: the tests beside it, each in a schema of its own, may be rebuilding theirs.
                try connection.execute("SELECT count(*) FROM pg_namespace WHERE nspname = left(current_schema(), 50) || '_rebuild'")[0].value(0, as: Int64.self)
            }
            #expect(left == 0, "the tables built beside the live ones are dropped")
        }
    }
}
