import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// Spec rule 14 in the approval, the replay, the histories and the periods: a change-out takes
/// the meter there off its service point, a swap the endpoint there off its register.
@Suite struct ChangeOutTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    static let ada = ImportLifecycleTests.ada
    static let header = ApprovalTests.header + ",Register_Number,Endpoint_Install_Date,Meter_Removal_Date"
    static let importDay = CalendarDate(year: 2025, month: 3, day: 1)!
    static let approvalDay = CalendarDate(year: 2025, month: 3, day: 4)!

    init() throws {
        scratch = try TemporaryFolder("ledger-change-outs")
        databases = try ContractDatabases()
    }

    func use(_ backend: StorageBackend) throws { opened.ledger = try databases.ledger(backend, in: scratch.url) }

    /// A record: `meter` (a register of it when `register` is L or H) at service point L1/`servicePoint`, read by `endpoint`.
    static func row(
        meter: String, servicePoint: String = "001", installed: String = "2020-01-15", endpoint: String = "", endpointInstalled: String = "",
        register: String = "", removed: String = ""
    ) -> String {
        "A1,L1,\(servicePoint),W,\(meter),Neptune,T-10,0.625,IN,N,GAL,1,\(installed),,\(endpoint),\(endpoint.isEmpty ? "" : "M"),\(register),\(endpointInstalled),\(removed)"
    }

    @discardableResult
    func approve(_ rows: [String]) throws -> (id: UUID, codes: [String: Int]) {
        let url = scratch.url.appendingPathComponent(UUID().uuidString + ".csv")
        try ([Self.header] + rows).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        let outcome = try ledger.importFile(at: url, actor: Self.ada, today: Self.importDay)
        try ledger.approve(outcome.id, actor: Self.ada, today: Self.approvalDay)
        return (outcome.id, outcome.summary.byCode)
    }

    @Test(arguments: StorageBackend.allCases) func aChangeOutTakesTheMeterThereOffItsServicePoint(backend: StorageBackend) throws {
        try use(backend)
        try approve([Self.row(meter: "M1", endpoint: "E1")])
        let changeOut = try approve([Self.row(meter: "M2", installed: "2024-05-01")])
        #expect(changeOut.codes["meter-replaced"] == 1 && changeOut.codes["endpoint-replaced"] == nil)
        let state = try ledger.currentState().0
        let old = try #require(state.fields(.register, "M1"))
        #expect(old["Location_ID"] == nil && old["Service_Point_ID"] == nil && old["Meter_Removal_Date"] == "2024-05-01")
        #expect(state.fields(.register, "M2")?["Location_ID"] == "L1")
        // The file does not mention E1: it stays on the meter it reads.
        #expect(state.fields(.endpoint, "E1")?["Meter_ID"] == "M1")

        // M1's period at the service point ends, on the new meter's install date.
        let periods = try ledger.periods(of: .register("M1"))
        #expect(periods.count == 1)
        #expect(periods[0].configuredKey == "L1/001" && periods[0].startDate == "2020-01-15" && periods[0].endDate == "2024-05-01")
        #expect(periods[0].until != nil && periods[0].untilPosition != nil)
        // The service point's history has both meters, one after the other.
        let atServicePoint = try ledger.periods(of: .servicePoint(location: "L1", servicePoint: "001")).filter { $0.kind == .register }
        #expect(atServicePoint.map(\.subject) == ["Register M1", "Register M2"])
        #expect(atServicePoint[0].until != nil && atServicePoint[1].until == nil)
        let history = try ledger.history(of: .register("M1")).filter { $0.kind == .register }
        #expect(history.last?.importID == changeOut.id)
        #expect(history.last?.fields["Location_ID"] == FieldChange(old: "L1", new: nil))

        // The export is the current configuration: the meter taken off is in no record.
        let exported = scratch.url.appendingPathComponent("export.csv")
        _ = try ledger.exportState(to: try OutputFile(path: exported.path))
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.contains(",M2,") && !text.contains(",M1,"))

        // Placed elsewhere later, M1 is installed from stock: not a move.
        let url = scratch.url.appendingPathComponent("reinstall.csv")
        try [Self.header, Self.row(meter: "M1", servicePoint: "002", installed: "2025-06-01")].joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let reinstall = try ledger.importFile(at: url, actor: Self.ada).summary.byCode
        #expect(reinstall["meter-moved"] == nil && reinstall["meter-replaced"] == nil)

        // A replay makes the same projections from the log.
        let kept = try ledger.projectionDump()
        _ = try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
        #expect(try ledger.verify() == (try ledger.lastPosition()))
    }

    @Test(arguments: StorageBackend.allCases) func withoutAnInstallDateTheMeterComesOffOnTheDayTheFileWasDropped(backend: StorageBackend) throws {
        try use(backend)
        try approve([Self.row(meter: "M1"), Self.row(meter: "M5", servicePoint: "005", removed: "2024-12-31")])
        try approve([Self.row(meter: "M2", installed: ""), Self.row(meter: "M6", servicePoint: "005", installed: "")])
        let state = try ledger.currentState().0
        // The day of its dry run, which previewed it, not the later day of the approval.
        #expect(state.fields(.register, "M1")?["Meter_Removal_Date"] == Self.importDay.description)
        // A removal date the CIS gave stays as it gave it.
        #expect(state.fields(.register, "M5")?["Meter_Removal_Date"] == "2024-12-31")
        #expect(state.fields(.register, "M5")?["Location_ID"] == nil)
    }

    @Test(arguments: StorageBackend.allCases) func aCompoundMeterComesOffWithBothItsRegisters(backend: StorageBackend) throws {
        try use(backend)
        try approve([Self.row(meter: "M1", register: "L"), Self.row(meter: "M1", register: "H")])
        let changeOut = try approve([Self.row(meter: "M2", installed: "2024-05-01", register: "L"), Self.row(meter: "M2", installed: "2024-05-01", register: "H")])
        // One warning: the second register of the new meter finds its own meter there.
        #expect(changeOut.codes["meter-replaced"] == 1)
        let state = try ledger.currentState().0
        for key in ["M1:L", "M1:H"] { #expect(state.fields(.register, key)?["Location_ID"] == nil) }
        for key in ["M2:L", "M2:H"] { #expect(state.fields(.register, key)?["Location_ID"] == "L1") }
    }

    @Test(arguments: StorageBackend.allCases) func aChangeOutWithinOneFile(backend: StorageBackend) throws {
        try use(backend)
        let first = try approve([Self.row(meter: "M1"), Self.row(meter: "M2", installed: "2022-03-01")])
        #expect(first.codes["meter-replaced"] == 1)
        let state = try ledger.currentState().0
        #expect(state.fields(.register, "M1")?["Location_ID"] == nil && state.fields(.register, "M1")?["Meter_Removal_Date"] == "2022-03-01")
        #expect(state.fields(.register, "M2")?["Location_ID"] == "L1")
        let kept = try ledger.projectionDump()
        _ = try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
    }

    @Test(arguments: StorageBackend.allCases) func anEndpointSwapTakesTheEndpointThereOffItsRegister(backend: StorageBackend) throws {
        try use(backend)
        try approve([Self.row(meter: "M1", endpoint: "E1", endpointInstalled: "2020-01-15")])
        let swap = try approve([Self.row(meter: "M1", endpoint: "E2", endpointInstalled: "2023-02-02")])
        #expect(swap.codes["endpoint-replaced"] == 1 && swap.codes["meter-replaced"] == nil)
        let state = try ledger.currentState().0
        let old = try #require(state.fields(.endpoint, "E1"))
        #expect(old["Meter_ID"] == nil && old["Endpoint_Removal_Date"] == "2023-02-02")
        #expect(state.fields(.endpoint, "E2")?["Meter_ID"] == "M1")
        // The register's history has the endpoint coming off it, and the new one going on.
        let endpoints = try ledger.history(of: .register("M1")).filter { $0.kind == .endpoint && $0.importID == swap.id }
        #expect(Set(endpoints.map(\.key)) == ["E1", "E2"])
        let exported = scratch.url.appendingPathComponent("export.csv")
        _ = try ledger.exportState(to: try OutputFile(path: exported.path))
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.contains(",E2,") && !text.contains(",E1,"))
        let kept = try ledger.projectionDump()
        _ = try ledger.replay()
        #expect(try ledger.projectionDump() == kept)
    }
}

extension ChangeOutTests {
    /// A record with a removal date tells of a meter or endpoint that came off already: it takes
    /// nothing off (an export's history rows, in any order).
    @Test(arguments: StorageBackend.allCases) func aRecordWithARemovalDateTakesNothingOff(backend: StorageBackend) throws {
        try use(backend)
        try approve([Self.row(meter: "M2", installed: "2015-01-01", endpoint: "E2")])
        let history = try approve([Self.row(meter: "M1", installed: "2010-01-01", removed: "2015-01-01")])
        #expect(history.codes["meter-replaced"] == nil)
        let state = try ledger.currentState().0
        #expect(state.fields(.register, "M2")?["Location_ID"] == "L1" && state.fields(.register, "M2")?["Meter_Removal_Date"] == nil)
        #expect(state.fields(.register, "M1")?["Meter_Removal_Date"] == "2015-01-01")
    }
}
