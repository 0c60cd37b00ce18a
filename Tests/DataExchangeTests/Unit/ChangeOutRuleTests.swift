import DataExchange
import Testing

/// Spec rule 14: a service point holds one meter at a time, a register reads through one endpoint
/// at a time; another one placed there is a change-out, a warning; what a file does not mention
/// stays where it is.
@Suite struct ChangeOutRuleTests {
    @Test func anotherMeterAtAServicePointThatHoldsOneIsAChangeOut() throws {
        let (summary, collected) = try scan(DXFile.one(["Meter_ID": "M2", "Meter_Install_Date": "2024-05-01", "Endpoint_SN": ""]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes == [.meterReplaced])
        let replaced = collected.allExceptions[0]
        #expect(replaced.message == "Meter M2 replaces meter M1 at service point L1/001: M1 comes off it on 2024-05-01, M2's install date.")
        #expect(replaced.severity == .warning && replaced.column == "Meter_ID" && replaced.value == "M2")
        #expect(ExceptionCode.meterReplaced.isConfigurationChange)
        #expect(summary.errors == 0 && summary.ready == 1)
    }

    @Test func aChangeOutWithoutAnInstallDateEndsOnTheDayOfTheApproval() throws {
        let (_, collected) = try scan(DXFile.one(["Meter_ID": "M2", "Meter_Install_Date": "", "Endpoint_SN": ""]), ledger: KnownLedger.holdingBase)
        let replaced = try #require(collected.allExceptions.first { $0.code == .meterReplaced })
        #expect(replaced.message.hasSuffix("M1 comes off it on the day the import is approved (M2 has no install date)."))
    }

    @Test func theMeterAlreadyThereIsNoChangeOut() throws {
        let (_, collected) = try scan(DXFile.one(["Meter_Size": "1"]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes.isEmpty)
    }

    @Test func anotherEndpointOnARegisterThatHasOneIsASwap() throws {
        let (_, collected) = try scan(
            DXFile.one(["Endpoint_SN": "E2", "Endpoint_Install_Date": "2023-02-02"]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes == [.endpointReplaced])
        #expect(collected.allExceptions[0].message == "Endpoint E2 replaces endpoint E1 on register M1: E1 comes off it on 2023-02-02, E2's install date.")
        #expect(collected.allExceptions[0].column == "Endpoint_SN")
    }

    @Test func aBlankEndpointRemovesNothing() throws {
        let (_, collected) = try scan(DXFile.one(["Endpoint_SN": "", "Endpoint_Type": ""]), ledger: KnownLedger.holdingBase)
        #expect(collected.codes.isEmpty)
    }

    @Test func changeOutsWithinAFileAreWarningsAndTheMeterTakenOffIsAtNoServicePoint() throws {
        var file = DXFile()
        file.add(["Endpoint_SN": ""])
        file.add(["Meter_ID": "M2", "Meter_Install_Date": "2022-03-01", "Endpoint_SN": ""])
        // M1 was taken off L1/001 by record 2: placing it elsewhere installs it, it does not move it.
        file.add(["Meter_ID": "M1", "Service_Point_ID": "002", "Meter_Install_Date": "2023-01-01", "Endpoint_SN": ""])
        let (_, collected) = try scan(file.text)
        #expect(collected.records[0].exceptions.isEmpty)
        #expect(collected.records[1].exceptions.map(\.code) == [.meterReplaced])
        #expect(collected.records[1].exceptions[0].message.hasPrefix("Meter M2 replaces meter M1 at service point L1/001"))
        #expect(collected.records[2].exceptions.isEmpty)
    }

    @Test func aServicePointThatAMeterLeftHoldsNone() throws {
        var file = DXFile()
        file.add(["Location_ID": "L2", "Endpoint_SN": ""])
        file.add(["Location_ID": "L1", "Meter_ID": "M3", "Meter_Install_Date": "2024-01-01", "Endpoint_SN": ""])
        let (_, collected) = try scan(file.text, ledger: KnownLedger.holdingBase)
        #expect(collected.records[0].exceptions.map(\.code) == [.meterMoved])
        #expect(collected.records[1].exceptions.isEmpty)
    }

    @Test func aRegisterThatAnEndpointLeftHasNone() throws {
        var ledger = KnownLedger.holdingBase
        ledger.registers[RegisterKey(meter: "M7", register: "")] = KnownRegister(installDate: nil)
        var file = DXFile()
        // E1 moves from M1 to M7; then E5 on M1 replaces nothing.
        file.add(["Meter_ID": "M7", "Location_ID": "L7"])
        file.add(["Endpoint_SN": "E5"])
        let (_, collected) = try scan(file.text, ledger: ledger)
        #expect(collected.records[0].exceptions.map(\.code) == [.endpointMoved])
        #expect(collected.records[1].exceptions.isEmpty)
    }
}

extension ChangeOutRuleTests {
    /// A record with a removal date tells of a meter or an endpoint that came off already.
    @Test func aRecordWithARemovalDateReplacesNothing() throws {
        let meter = try scan(DXFile.one(["Meter_ID": "M2", "Meter_Removal_Date": "2024-01-01", "Endpoint_SN": ""]), ledger: KnownLedger.holdingBase)
        #expect(!meter.collected.codes.contains(.meterReplaced))
        let endpoint = try scan(DXFile.one(["Endpoint_SN": "E2", "Endpoint_Removal_Date": "2024-01-01"]), ledger: KnownLedger.holdingBase)
        #expect(!endpoint.collected.codes.contains(.endpointReplaced))
        // Nor does it hold the service point against the next record.
        var file = DXFile()
        file.add(["Meter_ID": "M2", "Meter_Install_Date": "2010-01-01", "Meter_Removal_Date": "2015-01-01", "Endpoint_SN": ""])
        file.add(["Meter_ID": "M3", "Meter_Install_Date": "2015-01-01", "Endpoint_SN": ""])
        let (_, collected) = try scan(file.text)
        #expect(collected.codes.isEmpty)
    }
}
