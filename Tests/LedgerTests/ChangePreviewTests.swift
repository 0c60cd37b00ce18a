import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// The dry run's second half: what approving a file would change, grouped as staff think of it,
/// worked out against the ledger as it is; and the approval applying exactly that.
@Suite struct ChangePreviewTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    static let ada = ImportLifecycleTests.ada
    static let header = ChangeOutTests.header

    init() throws {
        scratch = try TemporaryFolder("ledger-change-previews")
        databases = try ContractDatabases()
    }

    func use(_ backend: StorageBackend) throws { opened.ledger = try databases.ledger(backend, in: scratch.url) }

    func dryRun(_ bytes: [UInt8]) throws -> Ledger.ImportOutcome {
        let url = scratch.url.appendingPathComponent(UUID().uuidString + ".csv")
        try Data(bytes).write(to: url)
        return try ledger.importFile(at: url, actor: Self.ada)
    }

    func dryRun(rows: [String]) throws -> Ledger.ImportOutcome {
        try dryRun(Array(([Self.header] + rows).joined(separator: "\n").appending("\n").utf8))
    }

    /// A record as `ChangeOutTests.row` writes it, with its account, location and a few more cells chosen.
    static func row(
        account: String = "A1", location: String = "L1", servicePoint: String = "001", meter: String, size: String = "0.625",
        installed: String = "2020-01-15", addressLine2: String = "", endpoint: String = ""
    ) -> String {
        "\(account),\(location),\(servicePoint),W,\(meter),Neptune,T-10,\(size),IN,N,GAL,1,\(installed),\(addressLine2),\(endpoint),\(endpoint.isEmpty ? "" : "M"),,,"
    }

    /// The counts of the changes an approval appended to the log, read back from its events.
    func appliedCounts(of id: UUID) throws -> ChangeCounts { try ledger.appliedChanges(of: id) }

    /// What the counts of lines and groups say, without the record counts the log does not hold.
    static func groupsAndColumns(_ counts: ChangeCounts) -> [String: [String: Int]] {
        ["groups": counts.groups, "updated": counts.updatedColumns, "cleared": counts.clearedColumns, "lines": ["lines": counts.lines]]
    }

    @Test(arguments: StorageBackend.allCases) func eachGroupIsCountedAndEveryLineHasItsOldAndNewValues(backend: StorageBackend) throws {
        try use(backend)
        let first = try dryRun(rows: [
            Self.row(meter: "M1", endpoint: "E1"),
            Self.row(account: "A2", servicePoint: "002", meter: "M2", endpoint: "E2"),
            Self.row(account: "A3", location: "L2", meter: "M3", addressLine2: "Flat 1"),
            Self.row(location: "L3", meter: "M4"),
            Self.row(account: "A5", location: "L5", meter: "M6"),
            Self.row(account: "A7", location: "L7", meter: "M8"),
        ])
        let firstPreview = try #require(first.changes)
        #expect(firstPreview.counts.count(.newService) == 6 && firstPreview.counts.count(.meterInstalled) == 6)
        #expect(firstPreview.counts.count(.accountOpened) == 5 && firstPreview.counts.count(.endpointInstalled) == 2)
        #expect(firstPreview.counts.unchanged == 0 && firstPreview.counts.count(.fieldsUpdated) == 0)
        #expect(try ledger.approve(first.id, actor: Self.ada).changes == firstPreview.counts)

        let later = try dryRun(rows: [
            Self.row(meter: "M5", installed: "2024-05-01"),  // a change-out: M1 comes off L1/001
            Self.row(account: "A2", servicePoint: "002", meter: "M2", endpoint: "E9"),  // an endpoint swap: E2 comes off
            Self.row(account: "A3", location: "L2", meter: "M3", addressLine2: "_CLEAR_"),  // erased
            Self.row(account: "A9", location: "L3", meter: "M4", size: "0.75"),  // another account, and a field update
            Self.row(account: "A5", location: "L6", meter: "M6"),  // moved to a new service point
            Self.row(account: "A7", location: "L7", meter: "M8"),  // unchanged
        ])
        let preview = try #require(later.changes)
        let counts = preview.counts
        #expect(counts.groups == [
            "meter-change-out": 1, "meter-installed": 1, "endpoint-swapped": 1, "endpoint-installed": 1, "account-change": 1, "account-opened": 1,
            "meter-moved": 1, "new-service": 1,
        ])
        #expect(counts.updatedColumns == ["Meter_Size": 1] && counts.clearedColumns == ["Location_Address_Line2": 1])
        #expect(counts.unchanged == 1 && counts.skipped == 0 && counts.blockedComponents == 0)
        #expect(counts.sentence == "1 new service, 1 meter install, 1 change-out, 1 meter moved, 1 endpoint install, 1 endpoint swap, 1 account opened, 1 account change, 1 field update, 1 field erased, 1 unchanged")
        #expect(try ledger.activityEntry(later.id).changes == counts.sentence)

        // Every line: the entity, its record and line, each field's old and new value.
        let changeOut = try ledger.changes(of: later.id, group: .meterChangeOut)
        #expect(changeOut.total == 1)
        let off = try #require(changeOut.lines.first)
        #expect(off.kind == .register && off.entity == "M1" && off.record == 1 && off.line == 2 && !off.created)
        #expect(off.fields == [
            .init(column: "Location_ID", old: "L1", new: nil), .init(column: "Meter_Removal_Date", old: nil, new: "2024-05-01"),
            .init(column: "Service_Point_ID", old: "001", new: nil),
        ])
        // By column: the lines that update or erase it, as the counts by column count them.
        let size = try ledger.changes(of: later.id, column: "Meter_Size")
        #expect(size.total == 1 && size.lines[0].entity == "M4" && size.lines[0].line == 5)
        #expect(size.lines[0].fields.first { $0.column == "Meter_Size" } == .init(column: "Meter_Size", old: "0.625", new: "0.75"))
        #expect(try ledger.changes(of: later.id, column: "Location_Address_Line2").lines.map(\.entity) == ["L2"])
        let installed = try #require(try ledger.changes(of: later.id, group: .meterInstalled).lines.first)
        #expect(installed.entity == "M5" && installed.created && installed.fields.contains(.init(column: "Meter_Install_Date", old: nil, new: "2024-05-01")))
        // Paged: the total stays the filter's, the page is the slice asked for.
        let all = try ledger.changes(of: later.id, offset: 0, limit: 1_000)
        #expect(all.total == counts.lines && all.lines.count == counts.lines)
        let page = try ledger.changes(of: later.id, offset: 2, limit: 3)
        #expect(page.total == counts.lines && page.lines == Array(all.lines[2..<5]))

        // The approval applies exactly that, group by group, as the log's events show.
        let outcome = try ledger.approve(later.id, actor: Self.ada)
        #expect(!outcome.rescanned && outcome.changes == counts)
        #expect(Self.groupsAndColumns(try appliedCounts(of: later.id)) == Self.groupsAndColumns(counts))
    }

    @Test(arguments: StorageBackend.allCases) func errorsBlockComponentsAndSkipRecordsInThePreview(backend: StorageBackend) throws {
        try use(backend)
        let outcome = try dryRun(rows: [
            Self.row(meter: "M1"),
            Self.row(servicePoint: "002", meter: "M2", size: "huge"),  // the meter's size is no number: its meter is held back
            "A3,,,W,M3,Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15,,,,,,",  // no location: nothing of it can be placed
        ])
        let scan = outcome.summary
        let counts = try #require(outcome.changes).counts
        #expect(counts.skipped == scan.records - scan.ready && counts.skipped > 0)
        #expect(counts.blockedComponents > 0)
        #expect(try ledger.changes(of: outcome.id, group: .meterInstalled).lines.map(\.entity) == ["M1"])
    }

    @Test(arguments: StorageBackend.allCases) func aLaterSampleExportAppliesExactlyItsPreviewGroupByGroup(backend: StorageBackend) throws {
        try use(backend)
        let first = try dryRun(try RevertTests.sample(SampleOptions(length: .rows(3_000), seed: 8, compoundShare: 0.1)))
        #expect(try ledger.approve(first.id, actor: Self.ada).changes == first.changes?.counts)
        #expect(Self.groupsAndColumns(try appliedCounts(of: first.id)) == Self.groupsAndColumns(try #require(first.changes).counts))
        let later = try dryRun(try RevertTests.sample(SampleOptions(length: .rows(3_000), seed: 8, compoundShare: 0.1, generation: 1, changeShare: 0.3)))
        let counts = try #require(later.changes).counts
        for group in [ChangeGroup.meterChangeOut, .endpointSwapped, .accountChange, .fieldsUpdated, .cleared] {
            #expect(counts.count(group) > 0, "a later export has \(group.rawValue)")
        }
        #expect(counts.unchanged > 0)
        #expect(try ledger.approve(later.id, actor: Self.ada).changes == counts)
        #expect(Self.groupsAndColumns(try appliedCounts(of: later.id)) == Self.groupsAndColumns(counts))
    }

    @Test(arguments: StorageBackend.allCases) func aLedgerChangedSinceTheDryRunIsPreviewedAgainBeforeAnythingIsApplied(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try dryRun(rows: [Self.row(meter: "M1"), Self.row(servicePoint: "002", meter: "M2")]).id, actor: Self.ada)
        // Two dry runs against the same ledger: both would change M2's size.
        let waiting = try dryRun(rows: [Self.row(servicePoint: "002", meter: "M2", size: "1")])
        let sooner = try dryRun(rows: [Self.row(servicePoint: "002", meter: "M2", size: "1"), Self.row(meter: "M1", size: "2")])
        let previewed = try #require(waiting.changes)
        #expect(previewed.counts.updatedColumns == ["Meter_Size": 1])
        try ledger.approve(sooner.id, actor: Self.ada)

        let outcome = try ledger.approve(waiting.id, actor: Self.ada)
        #expect(outcome.rescanned)
        let state = try ledger.importState(waiting.id)
        let worked = try #require(state.changes)
        // Worked out again against the ledger as it was then: M2 has that size already.
        #expect(worked.ledgerPosition > (try #require(state.scan)).ledgerPosition - 1 && worked.preview != previewed)
        #expect(worked.preview.counts.updatedColumns.isEmpty && worked.preview.counts.unchanged == 1)
        #expect(outcome.changes == worked.preview.counts && outcome.imported == 0)
        #expect(try ledger.changes(of: waiting.id).total == 0)
    }

    @Test(arguments: StorageBackend.allCases) func aPreviewWhoseLinesAreGoneIsWorkedOutAgainAndMustComeOutTheSame(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try dryRun(rows: [Self.row(meter: "M1"), Self.row(servicePoint: "002", meter: "M2")]).id, actor: Self.ada)
        let later = try dryRun(rows: [Self.row(meter: "M3"), Self.row(servicePoint: "002", meter: "M2", size: "1")])
        let preview = try #require(later.changes)
        // Altered on disk: refused as its lines, then worked out again (a shared database serves it anew).
        try Data("altered".utf8).write(to: try ledger.blobs.file(of: preview.lines))
        let outcome = try ledger.approve(later.id, actor: Self.ada)
        #expect(!outcome.rescanned && outcome.changes == preview.counts)
        #expect(Self.groupsAndColumns(try appliedCounts(of: later.id)) == Self.groupsAndColumns(preview.counts))
        #expect(try ledger.currentState().0.fields(.register, "M1")?["Location_ID"] == nil)
    }

    @Test(arguments: StorageBackend.allCases) func anIDUpdatesRenamesArePreviewed(backend: StorageBackend) throws {
        try use(backend)
        let utility = SampleOptions(length: .rows(300), seed: 9)
        try ledger.approve(try dryRun(try RevertTests.sample(utility)).id, actor: Self.ada)
        var renames = utility
        renames.idUpdate = 5
        let outcome = try dryRun(try RevertTests.sample(renames))
        let counts = try #require(outcome.changes).counts
        #expect(counts.count(.renamed) >= 5 && counts.groups.keys.sorted() == ["renamed"])
        let renamed = try ledger.changes(of: outcome.id, group: .renamed).lines.filter { $0.previousEntity != nil }
        #expect(!renamed.isEmpty && renamed.allSatisfy { $0.previousEntity != $0.entity })
        #expect(try ledger.approve(outcome.id, actor: Self.ada).changes == counts)
    }
}
