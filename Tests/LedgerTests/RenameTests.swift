import DataExchange
import Foundation
@testable import Ledger
import Testing

/// ID Update files rename accounts, locations, service points and meters; history stays whole.
@Suite struct RenameTests {
    let approvals: ApprovalTests
    var ledger: Ledger { approvals.ledger }
    static let ada = ApprovalTests.ada
    static let header = "Account_ID,Account_ID_new,Location_ID,Location_ID_new,Service_Point_ID,Service_Point_ID_new,Meter_ID,Meter_ID_new"

    init() throws { approvals = try ApprovalTests() }

    func renames(_ rows: [String]) throws -> Ledger.ImportOutcome {
        let url = approvals.folder.appendingPathComponent("ids-\(UUID().uuidString).csv")
        try ([Self.header] + rows).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        return try ledger.importFile(at: url, actor: Self.ada)
    }

    @Test(arguments: StorageBackend.allCases) func anIDUpdateRenamesAndWhatLinksToTheRenamedFollows(backend: StorageBackend) throws {
        try approvals.use(backend)
        try ledger.approve(try approvals.importRows(ApprovalTests.first), actor: Self.ada)
        let scan = try renames([
            "A1,A100,,,,,,",
            ",,L1,L100,,,,",
            ",,L2,,001,009,,",
            ",,,,,,M1,M100",
        ])
        #expect(scan.summary.kind == .idUpdate)
        #expect(scan.summary.errors == 0 && scan.summary.ready == 4)
        let outcome = try ledger.approve(scan.id, actor: Self.ada)
        #expect(outcome.imported == 4 && outcome.skipped == 0)

        let (state, _) = try ledger.currentState()
        #expect(state.fields(.account, "A1") == nil && state.fields(.account, "A100") != nil)
        #expect(state.fields(.location, "L1") == nil && state.fields(.location, "L100")?["Location_Address_Line2"] == "Unit 4")
        #expect(state.fields(.servicePoint, "L1/001") == nil && state.fields(.servicePoint, "L100/001") != nil)
        #expect(state.fields(.serviceAgreement, "L100/001")?["Account_ID"] == "A100")
        #expect(state.fields(.serviceAgreement, "L2/009") != nil && state.fields(.serviceAgreement, "L2/001") == nil)
        #expect(state.fields(.register, "M1") == nil)
        #expect(state.fields(.register, "M100")?["Location_ID"] == "L100")
        #expect(state.fields(.register, "M100")?["Meter_Size"] == "0.625")
        #expect(state.fields(.endpoint, "E1")?["Meter_ID"] == "M100")

        // What the next scan sees follows too.
        let (scanState, _) = try ledger.scanState()
        #expect(scanState.meter("M100")?.servicePoint == ServicePointKey(location: "L100", servicePoint: "001"))
        #expect(scanState.meter("M1") == nil && !scanState.hasAccount("A1") && scanState.hasAccount("A100"))
        #expect(scanState.endpoint("E1")?.register == RegisterKey(meter: "M100", register: ""))
        #expect(scanState.servicePoint(ServicePointKey(location: "L100", servicePoint: "001"))?.account == "A100")
    }

    @Test(arguments: StorageBackend.allCases) func aRenamedEntitysHistoryIsFoundUnderItsNewAndItsOldID(backend: StorageBackend) throws {
        try approvals.use(backend)
        try ledger.approve(try approvals.importRows(ApprovalTests.first), actor: Self.ada)
        try ledger.approve(try renames(["A1,A100,,,,,,", ",,,,,,M1,M100"]).id, actor: Self.ada)
        for id in ["A100", "A1"] {
            // The account's own changes (its agreement's follow it under either ID).
            let history = try ledger.history(of: .account(id)).filter { $0.kind == .account }
            #expect(history.map(\.created) == [true, false], "account \(id)")
            #expect(try ledger.periods(of: .account(id)).map(\.configuration) == ["account A1", "account A100"], "account \(id)")
            #expect(history.first?.key == "A1" && history.last?.key == "A100" && history.last?.previousKey == "A1")
        }
        let meter = try ledger.history(of: .meter("M100"))
        #expect(meter.contains { $0.kind == .register && $0.key == "M1" && $0.created })
        #expect(meter.contains { $0.kind == .register && $0.key == "M100" && $0.previousKey == "M1" })
        #expect(try ledger.history(of: .register("M1")).count == meter.count)
        // Renamed, the meter is still where it was: one period, carried on under its new ID.
        let periods = try ledger.periods(of: .meter("M100"))
        #expect(periods.map(\.subject) == ["Register M100"] && periods[0].configuration == "service point L1/001" && periods[0].until == nil)
        // A change after the rename is under the new ID only.
        try ledger.approve(try approvals.importRows(["A100,L1,001,W,M100,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,Unit 4,E1,m"]), actor: Self.ada)
        let after = try ledger.history(of: .meter("M100"))
        #expect(after.last?.fields["Meter_Size"] == FieldChange(old: "0.625", new: "1"))
        #expect(try ledger.history(of: .meter("M1")).count == meter.count)
    }

    @Test(arguments: StorageBackend.allCases) func aSecondRenameOfTheSameIDIsAnErrorAndAReplayRebuildsTheRenames(backend: StorageBackend) throws {
        try approvals.use(backend)
        try ledger.approve(try approvals.importRows(ApprovalTests.first), actor: Self.ada)
        try ledger.approve(try renames(["A1,A100,,,,,,", ",,L1,L100,,,,"]).id, actor: Self.ada)
        // A1 is gone and A100 is taken now.
        let again = try renames(["A1,A200,,,,,,", "A2,A100,,,,,,"])
        #expect(again.summary.errors == 2 && again.summary.ready == 0)
        let kept = try ledger.projectionDump()
        try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
        #expect(try ledger.verify() == (try ledger.lastPosition()))
    }

    /// Time travel: at each position the state is what the current state was then, whole, over
    /// creations, changes and renames.
    /// A service point's history has the registers placed at it and taken from it, and its
    /// periods theirs, from each register's own history (a removal recorded later included);
    /// under its old ID too once renamed; and a replay rebuilds the index rows that say so.
    @Test(arguments: StorageBackend.allCases) func aServicePointsHistoryHasTheMetersThatWereThere(backend: StorageBackend) throws {
        try approvals.use(backend)
        let header = ImportLifecycleTests.header + ",Meter_Removal_Date"
        func approve(_ rows: [String]) throws { try ledger.approve(try approvals.importRows(rows, header: header), actor: Self.ada) }
        func meter(_ id: String) -> String { "W,\(id),Neptune,T-10,0.625,IN,N,GAL,1" }
        try approve(["A1,L1,001,\(meter("M1")),2020-01-15,", "A2,L2,001,\(meter("M2")),2020-01-15,"])
        let first = try ledger.lastPosition()
        // M3 takes M1's place at L1/001 (a change-out: M1 comes off); M2 moves from L2/001 to
        // L1/002; then M3 is removed.
        try approve(["A1,L1,001,\(meter("M3")),2023-06-01,", "A1,L1,002,\(meter("M2")),2023-07-01,"])
        try approve(["A1,L1,001,\(meter("M3")),,2024-03-01"])
        func registers(_ subject: Ledger.Subject, asOf position: Int64? = nil) throws -> [String] {
            try ledger.periods(of: subject, asOf: position).filter { $0.kind == .register }
                .map { "\($0.subject) at \($0.configuredKey): \($0.fieldDates ?? "")\($0.until == nil ? "" : " (ended)")" }
        }
        let l1 = ["Register M1 at L1/001: installed 2020-01-15, removed 2023-06-01 (ended)", "Register M3 at L1/001: installed 2023-06-01, removed 2024-03-01"]
        #expect(try registers(.servicePoint(location: "L1", servicePoint: "001")) == l1)
        #expect(try registers(.servicePoint(location: "L1", servicePoint: "002")) == ["Register M2 at L1/002: installed 2023-07-01"])
        #expect(try registers(.servicePoint(location: "L2", servicePoint: "001")) == ["Register M2 at L2/001: installed 2020-01-15 (ended)"])
        #expect(try registers(.location("L1")) == l1 + ["Register M2 at L1/002: installed 2023-07-01"])
        #expect(try registers(.servicePoint(location: "L1", servicePoint: "001"), asOf: first) == ["Register M1 at L1/001: installed 2020-01-15"])
        // The history itself has the placements, not the registers' other changes.
        let placed = try ledger.history(of: .servicePoint(location: "L1", servicePoint: "001")).filter { $0.kind == .register }
        #expect(placed.map(\.key) == ["M1", "M3", "M1"] && placed.map(\.created) == [true, true, false])
        #expect(placed[2].fields["Location_ID"] == FieldChange(old: "L1", new: nil))
        #expect(try ledger.history(of: .servicePoint(location: "L2", servicePoint: "001")).filter { $0.kind == .register }.map(\.key) == ["M2", "M2"])

        // Renamed, the service point's history is found under its new ID, with the periods at its old one.
        try ledger.approve(try renames([",,L1,,001,009,,"]).id, actor: Self.ada)
        let renamed = try registers(.servicePoint(location: "L1", servicePoint: "009"))
        #expect(renamed.filter { $0.contains("at L1/001") } == [l1[0], l1[1] + " (ended)"])
        // M1 came off before the rename: only M3 is at L1/009.
        #expect(renamed.filter { $0.contains("at L1/009") } == ["Register M3 at L1/009: installed 2023-06-01, removed 2024-03-01"], "\(renamed)")
        let kept = try ledger.projectionDump()
        try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
    }

    @Test(arguments: StorageBackend.allCases) func theStateAsOfEachApprovalIsTheStateItLeft(backend: StorageBackend) throws {
        try approvals.use(backend)
        var kept: [(position: Int64, state: CurrentState)] = []
        func keep() throws { kept.append((try ledger.lastPosition(), try ledger.currentState().0)) }
        try ledger.approve(try approvals.importRows(ApprovalTests.first), actor: Self.ada)
        try keep()
        try ledger.approve(try approvals.importRows([
            "A1,L1,001,,M1,,,1,,,,,2020-01-15,,,",
            "A9,L2,001,W,M2,Neptune,T-10,5/8,IN,N,GAL,1,2021-06-01,,E1,M",
        ]), actor: Self.ada)
        try keep()
        try ledger.approve(try renames(["A1,A100,,,,,,", ",,,,,,M1,M100"]).id, actor: Self.ada)
        try keep()
        for (position, state) in kept {
            #expect(try ledger.state(asOf: position).entities == state.entities, "as of \(position)")
            #expect(try ledger.entityCounts(asOf: position) == state.entities.mapValues(\.count), "counted as of \(position)")
        }
        #expect(kept[0].state.entities != kept[1].state.entities && kept[1].state.entities != kept[2].state.entities)
    }

    /// A replay of a ledger larger than it holds in memory writes what it folded as it goes and
    /// starts again from the state table: the projections are the same, however often it writes,
    /// over creations, changes, an endpoint swap, renames that carry links and creations with
    /// them, and an ID used again after its rename.
    @Test(arguments: StorageBackend.allCases) func aReplayThatWritesAsItGoesRebuildsTheSameProjections(backend: StorageBackend) throws {
        try approvals.use(backend)
        try ledger.approve(try approvals.importRows(ApprovalTests.first), actor: Self.ada)
        try ledger.approve(try approvals.importRows([
            "A1,L1,001,W,M1,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,Unit 5,E9,m",
            "A9,L2,001,W,M2,Neptune,T-10,5/8,IN,N,GAL,1,2021-06-01,,E2,M",
        ]), actor: Self.ada)
        try ledger.approve(try renames(["A1,A100,,,,,,", ",,L1,L100,,,,", ",,L2,,001,009,,", ",,,,,,M1,M100"]).id, actor: Self.ada)
        try ledger.approve(try approvals.importRows([
            "A1,L1,001,W,M1,Sensus,iPERL,1,IN,Y,CCF,10,2023-03-01,,E1,c",
            "A100,L100,001,W,M100,Neptune,T-10,0.75,IN,N,GAL,1,2020-01-15,,E9,m",
        ]), actor: Self.ada)
        let kept = try ledger.projectionDump()
        #expect(kept.contains { $0.hasPrefix("entity_renames") } && kept.contains { $0.contains("M100") })
        for entities in [1, 2, 5, 13, Ledger.entitiesAReplayHolds] {
            try ledger.replay(holding: entities)
            #expect(try ledger.projectionDump() == kept, "holding \(entities) entities")
        }
        #expect(try ledger.verify() == (try ledger.lastPosition()))
    }
}
