import DataExchange
import Testing

/// The rules that compare a file with what the ledger holds, through `LedgerState`.
@Suite struct LedgerStateRuleTests {
    @Test func existingEntitiesNeedNoNotEmptyFieldsAgain() throws {
        let blanks = ["Meter_Manufacturer": "", "Meter_Model": "", "Service_Point_Type": "", "Location_City": "", "Endpoint_Type": "", "Endpoint_SN": ""]
        let new = try scan(DXFile.one(blanks))
        #expect(new.collected.codes.filter { $0 == .missingOnCreate }.count == 3)
        let known = try scan(DXFile.one(blanks), ledger: KnownLedger.holdingBase)
        #expect(known.collected.codes.isEmpty)
    }

    @Test func theSameConfigurationAsTheLedgerRaisesNothing() throws {
        let (summary, collected) = try scan(DXFile.one(), ledger: KnownLedger.holdingBase)
        #expect(collected.codes.isEmpty)
        #expect(summary.ready == 1)
    }

    @Test func aMeterMovingToAnotherServicePointIsAWarning() throws {
        let (_, collected) = try scan(DXFile.one(["Location_ID": "L2"]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes.contains(.meterMoved))
        let moved = try #require(collected.allExceptions.first { $0.code == .meterMoved })
        #expect(moved.message == "Meter M1 moves from service point L1/001 to service point L2/001.")
        #expect(moved.severity == .warning)
    }

    @Test func anEndpointMovingToAnotherRegisterIsAWarning() throws {
        var ledger = KnownLedger.holdingBase
        ledger.endpoints["E9"] = KnownEndpoint(register: RegisterKey(meter: "M7", register: "L"))
        let (_, collected) = try scan(DXFile.one(["Endpoint_SN": "E9"]), ledger: ledger)
        let moved = try #require(collected.allExceptions.first { $0.code == .endpointMoved })
        #expect(moved.message == "Endpoint E9 moves from register M7:L to register M1.")
    }

    @Test func anotherAccountAtAServicePointIsAWarning() throws {
        let (summary, collected) = try scan(DXFile.one(["Account_ID": "A2"]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes == [.accountChanged])
        #expect(collected.allExceptions[0].message.contains("from A1 to A2"))
        #expect(summary.errors == 0)
    }

    @Test func anInstallDateBeforeTheRecordedOneIsABackdatedEntry() throws {
        let (_, collected) = try scan(DXFile.one(["Meter_Install_Date": "2019-05-01"]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes == [.backdatedEntry])
        #expect(collected.allExceptions[0].message.contains("2019-05-01 is before 2020-01-15"))
        let later = try scan(DXFile.one(["Meter_Install_Date": "2021-05-01"]), ledger: KnownLedger.holdingBase)
        #expect(later.collected.codes.isEmpty)
    }

    @Test func registerNumbersZeroAndTwoNameTheLowAndHighSides() {
        #expect(RegisterKey(meter: "M", register: "0") == RegisterKey(meter: "M", register: "L"))
        #expect(RegisterKey(meter: "M", register: "2") == RegisterKey(meter: "M", register: "h"))
        #expect(RegisterKey(meter: "M", register: "") != RegisterKey(meter: "M", register: "L"))
    }
}
