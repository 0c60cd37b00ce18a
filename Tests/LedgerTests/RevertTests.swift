import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// Reverting an imported import: every value it set put back, every entity it created removed,
/// every rename undone; refused, changing nothing, when a later change touched what it set.
@Suite struct RevertTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    static let ada = ImportLifecycleTests.ada
    static let bob = Actor(name: "Bob", email: "bob@utility.example", via: .cli)

    init() throws {
        scratch = try TemporaryFolder("ledger-reverts")
        databases = try ContractDatabases()
    }

    func use(_ backend: StorageBackend) throws { opened.ledger = try databases.ledger(backend, in: scratch.url) }

    @discardableResult
    func approve(_ bytes: [UInt8]) throws -> UUID {
        let url = scratch.url.appendingPathComponent(UUID().uuidString + ".csv")
        try Data(bytes).write(to: url)
        let id = try ledger.importFile(at: url, actor: Self.ada).id
        try ledger.approve(id, actor: Self.ada)
        return id
    }

    @discardableResult
    func approve(rows: [String], header: String = ChangeOutTests.header) throws -> UUID {
        try approve(Array(([header] + rows).joined(separator: "\n").appending("\n").utf8))
    }

    static func sample(_ options: SampleOptions) throws -> [UInt8] { try SampleGenerator(options: options).bytes().bytes }

    func export(asOf position: Int64? = nil) throws -> String {
        let path = scratch.url.appendingPathComponent(UUID().uuidString + ".csv").path
        _ = try ledger.exportState(to: try OutputFile(path: path), asOf: position)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The ledger is as it was at `position`: the export byte for byte, the whole state, and a
    /// replay makes the projections the revert left; the log verifies.
    func expectAsItWas(at position: Int64, _ comment: Comment? = nil) throws {
        #expect(try export() == (try export(asOf: position)), comment)
        #expect(try ledger.currentState().0.entities.filter { !$0.value.isEmpty } == (try ledger.state(asOf: position).entities.filter { !$0.value.isEmpty }), comment)
        let kept = try ledger.projectionDump()
        _ = try ledger.replay()
        #expect(try ledger.projectionDump() == kept, comment)
        #expect(try ledger.verify() == (try ledger.lastPosition()), comment)
    }

    @Test(arguments: StorageBackend.allCases) func aRevertedLaterImportLeavesTheLedgerAsItWasBeforeIt(backend: StorageBackend) throws {
        try use(backend)
        try approve(try Self.sample(SampleOptions(length: .rows(1_500), seed: 5, compoundShare: 0.1)))
        let before = try ledger.lastPosition()
        // A later export: move-outs and move-ins, change-outs, endpoint swaps, edits, erased fields.
        let later = try approve(try Self.sample(SampleOptions(length: .rows(1_500), seed: 5, compoundShare: 0.1, generation: 1, changeShare: 0.3)))
        let scan = try #require(try ledger.importState(later).scan)
        #expect(scan.byCode["meter-replaced", default: 0] > 0 && scan.byCode["endpoint-replaced", default: 0] > 0)
        #expect(try export() != (try export(asOf: before)))

        let outcome = try ledger.revert(later, reason: "The CIS sent last month's file.", actor: Self.bob)
        #expect(outcome.records > 0 && outcome.entities > 0)
        try expectAsItWas(at: before)

        // Who reverted it, when and why: in the Activity List, the import's state and the histories.
        let entry = try ledger.activityEntry(later)
        #expect(entry.status == "reverted" && entry.revertedByName == "Bob" && entry.revertedAt != nil)
        #expect(entry.reason == "The CIS sent last month's file." && entry.decision == "approved by Ada Lovelace, reverted by Bob")
        #expect(try ledger.importState(later).status == .reverted)
        let reversal = try ledger.events(in: ImportState.revertStream(later)).compactMap { try EventCoder.ledger.decode($0, as: RecordApplied.self) }
        #expect(reversal.count == outcome.records && reversal.allSatisfy { $0.reverts == true && $0.importID == later })
        let register = try #require(reversal.flatMap(\.changes).first { $0.kind == .register && !$0.removed })
        let history = try ledger.history(of: .register(register.key)).filter { $0.kind == .register && $0.importID == later }
        #expect(history.map(\.reverts) == [false, true] && history[1].byName == "Bob")
        #expect(history[1].revertReason == "The CIS sent last month's file." && history[0].revertReason == nil)
        #expect(history[1].fields == history[0].fields.mapValues { FieldChange(old: $0.new, new: $0.old) })

        // Reverted is final: not approved again, not reverted again; its file is a new import.
        #expect(throws: LedgerError.self) { try ledger.approve(later, actor: Self.ada) }
        #expect(throws: LedgerError.self) { try ledger.revert(later, reason: "again", actor: Self.bob) }
        let again = try approve(try Self.sample(SampleOptions(length: .rows(1_500), seed: 5, compoundShare: 0.1, generation: 1, changeShare: 0.3)))
        #expect(try ledger.activityEntry(again).status == "imported" && (try ledger.activityEntry(again).imported ?? 0) > 0)
    }

    @Test(arguments: StorageBackend.allCases) func aRevertedFirstImportLeavesAnEmptyLedger(backend: StorageBackend) throws {
        try use(backend)
        let first = try approve(try Self.sample(SampleOptions(length: .rows(300), seed: 9)))
        try ledger.revert(first, reason: "test file", actor: Self.ada)
        #expect(try ledger.currentState().0.isEmpty)
        #expect(try export(asOf: 0) == (try export()))
        let kept = try ledger.projectionDump()
        _ = try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
        // The history of an entity it created has its creation and its removal.
        let created = try #require(try ledger.events(in: ImportState.changesStream(first)).first.flatMap { try EventCoder.ledger.decode($0, as: RecordApplied.self) })
        let register = try #require(created.changes.first { $0.kind == .register })
        let history = try ledger.history(of: .register(register.key)).filter { $0.kind == .register }
        #expect(history.map(\.created) == [true, false] && history.map(\.removed) == [false, true])
        #expect(try ledger.periods(of: .register(register.key)).allSatisfy { $0.until != nil })
    }

    @Test(arguments: StorageBackend.allCases) func aRevertedIDUpdatePutsBackTheIDs(backend: StorageBackend) throws {
        try use(backend)
        try approve(try Self.sample(SampleOptions(length: .rows(600), seed: 3)))
        let before = try ledger.lastPosition()
        let renames = try approve(try Self.sample(SampleOptions(length: .rows(600), seed: 3, idUpdate: 25)))
        #expect((try ledger.activityEntry(renames).imported ?? 0) > 0)
        try ledger.revert(renames, reason: "renamed the wrong IDs", actor: Self.ada)
        try expectAsItWas(at: before)
    }

    @Test(arguments: StorageBackend.allCases) func aRevertedChangeOutPutsTheMeterBack(backend: StorageBackend) throws {
        try use(backend)
        try approve(rows: [ChangeOutTests.row(meter: "M1", endpoint: "E1")])
        let before = try ledger.lastPosition()
        let changeOut = try approve(rows: [ChangeOutTests.row(meter: "M2", installed: "2024-05-01", endpoint: "E2")])
        try ledger.revert(changeOut, reason: "M2 went to another street", actor: Self.ada)
        try expectAsItWas(at: before)
        let state = try ledger.currentState().0
        #expect(state.fields(.register, "M1")?["Location_ID"] == "L1" && state.fields(.register, "M1")?["Meter_Removal_Date"] == nil)
        #expect(state.fields(.register, "M2") == nil && state.fields(.endpoint, "E2") == nil)
        // M1's periods: at the service point, ended by the change-out, and again since its revert.
        let history = try ledger.history(of: .register("M1")).filter { $0.kind == .register }
        #expect(history.map(\.reverts) == [false, false, true])
        #expect(history.last?.fields["Location_ID"] == FieldChange(old: nil, new: "L1") && history.last?.byName == "Ada Lovelace")
    }

    @Test(arguments: StorageBackend.allCases) func aLaterChangeToWhatItSetRefusesTheRevertUntilTheLaterOneIsReverted(backend: StorageBackend) throws {
        try use(backend)
        try approve(rows: [ChangeOutTests.row(meter: "M1"), ChangeOutTests.row(meter: "M5", servicePoint: "005")])
        let beforeB = try ledger.lastPosition()
        let b = try approve(rows: [ChangeOutTests.row(meter: "M1").replacingOccurrences(of: "0.625", with: "1"), ChangeOutTests.row(meter: "M9", servicePoint: "009")])
        // C changes a value B set, and one of an entity B created (found by its digest).
        let c = try approve(rows: [
            ChangeOutTests.row(meter: "M1").replacingOccurrences(of: "0.625", with: "2"),
            ChangeOutTests.row(meter: "M9", servicePoint: "009").replacingOccurrences(of: "0.625", with: "2"),
        ])
        let kept = try ledger.projectionDump()
        let last = try ledger.lastPosition()
        let refused = try #require(throws: RevertConflicts.self) { try ledger.revert(b, reason: "wrong sizes", actor: Self.ada) }
        #expect(refused.conflicts == [
            RevertConflict(kind: .register, key: "M1", field: "Meter_Size", imported: "1", now: "2"),
            RevertConflict(kind: .register, key: "M9", field: "Meter_Size", imported: "0.625", now: "2"),
        ])
        #expect(refused.conflicts[0].description == "Register M1: Meter_Size is \"2\" now; the import set \"1\".")
        // Nothing changed: not the log, not a projection.
        #expect(try ledger.lastPosition() == last && (try ledger.projectionDump()) == kept)
        #expect(try ledger.importState(b).status == .imported)

        try ledger.revert(c, reason: "wrong sizes", actor: Self.ada)
        try ledger.revert(b, reason: "wrong sizes", actor: Self.ada)
        try expectAsItWas(at: beforeB)
    }
}
