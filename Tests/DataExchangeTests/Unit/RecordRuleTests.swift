import DataExchange
import Testing

/// The rules about records: keys, what blocks what, not-empty fields, the rules across fields
/// and across records.
@Suite struct RecordRuleTests {
    @Test(arguments: ["Location_ID", "Service_Point_ID", "Meter_ID"])
    func aBlankKeyThatPlacesTheRegisterBlocksTheRecord(_ key: String) throws {
        let (summary, collected) = try scan(DXFile.one([key: ""]))
        let record = try #require(collected.records.first)
        #expect(record.exceptions.map(\.code) == [.missingKey])
        #expect(record.exceptions[0].column == key)
        #expect(record.blocked == .all)
        #expect(!record.isReady)
        #expect(summary.ready == 0 && summary.recordsWithErrors == 1 && summary.errors == 1)
    }

    @Test func anAccountKeyErrorBlocksTheAccountAndTheAgreementOnly() throws {
        let (summary, collected) = try scan(DXFile.one(["Account_ID": "1.23457E+11"]))
        let record = try #require(collected.records.first)
        #expect(record.blocked == [.account, .serviceAgreement])
        #expect(record.isReady)
        #expect(summary.ready == 1)
    }

    @Test func anEndpointKeyErrorBlocksTheEndpointOnly() throws {
        let (_, collected) = try scan(DXFile.one(["Endpoint_SN": String(repeating: "9", count: 24)]))
        #expect(collected.records[0].blocked == .endpoint)
        #expect(collected.records[0].isReady)
    }

    @Test func aFieldErrorBlocksItsComponentOnly() throws {
        let (_, collected) = try scan(DXFile.one(["Meter_Size": "5/8", "Location_Latitude": "143.5", "Alert_Code": "100"]))
        #expect(collected.records[0].blocked == [.meter, .location, .route])
        #expect(collected.records[0].isReady)
    }

    @Test func aRecordIsReadyWhileOneOfItsComponentsImports() throws {
        let everything = [
            "Account_ID": "1.2E+11", "Location_Latitude": "143.5", "Service_Point_Type": "X", "Meter_Size": "5/8",
            "Endpoint_SN": String(repeating: "9", count: 24),
        ]
        let notReady = try scan(DXFile.one(everything))
        #expect(notReady.collected.records[0].blocked == [.account, .serviceAgreement, .location, .servicePoint, .meter, .endpoint])
        #expect(!notReady.collected.records[0].isReady)
        // With a route it carries too, the record still has something to import.
        let withRoute = try scan(DXFile.one(everything.merging(["Read_Sequence": "12"]) { $1 }))
        #expect(withRoute.collected.records[0].isReady)
    }

    @Test func raggedRecordsAreRowErrors() throws {
        let header = DXFile.baseColumns.joined(separator: ",")
        let row = DXFile.baseColumns.map { DXFile.base[$0]! }.joined(separator: ",")
        let (summary, collected) = try scan("\(header)\n\(row),extra\n\(row)\n\(row.dropLast(2))\n")
        // A ragged record's cells cannot be trusted to be in their columns: it takes no part in
        // the rules across records, so the whole row after it, with the same endpoint, is fine.
        #expect(collected.records.map { $0.exceptions.map(\.code) } == [[.raggedRecord], [], [.raggedRecord]])
        #expect(collected.records[0].exceptions[0].message.contains("24 cells, the header 23"))
        #expect(!collected.records[0].isReady && !collected.records[2].isReady)
        #expect(summary.ready == 1)
    }

    @Test func anUnterminatedQuoteIsAnErrorOnTheRecordWhereItOpens() throws {
        let text = DXFile.one(["Meter_Note": "x"]).replacingOccurrences(of: ",x\n", with: ",\"x\n") + "A2,more\n"
        let (_, collected) = try scan(text)
        #expect(collected.records.count == 1)
        let exception = try #require(collected.records.first?.exceptions.first)
        #expect(collected.records[0].exceptions.map(\.code) == [.unterminatedQuote])
        #expect(exception.line == 2)
    }

    @Test func aNewMeterNeedsItsNotEmptyFieldsAndALaterRecordMayLeaveThemBlank() throws {
        var file = DXFile()
        file.add(["Meter_Manufacturer": "", "Register_Resolution": ""])
        let first = try scan(file.text)
        #expect(first.collected.records[0].exceptions.map(\.code) == [.missingOnCreate, .missingOnCreate])
        #expect(Set(first.collected.records[0].exceptions.compactMap(\.column)) == ["Meter_Manufacturer", "Register_Resolution"])
        #expect(first.collected.records[0].blocked == .meter)

        var later = DXFile()
        later.add()
        later.add(["Account_ID": "A1", "Meter_Manufacturer": "", "Meter_Model": "", "Register_Resolution": "", "Endpoint_Type": "", "Endpoint_SN": ""])
        let second = try scan(later.text)
        #expect(second.collected.records[1].exceptions.isEmpty)
    }

    @Test func aNotEmptyColumnMissingFromTheFileIsAnErrorForEveryNewEntity() throws {
        var file = DXFile(columns: DXFile.baseColumns.filter { $0 != "Service_Point_Type" })
        file.add()
        file.add(["Service_Point_ID": "002", "Meter_ID": "M2", "Endpoint_SN": "E2"])
        let (_, collected) = try scan(file.text)
        #expect(collected.records.map { $0.exceptions.map(\.code) } == [[.missingOnCreate], [.missingOnCreate]])
        #expect(collected.records[0].exceptions[0].message.contains("not in the file"))
        #expect(collected.records[0].exceptions[0].column == nil)
    }

    @Test func theSecondRegisterOfACompoundMeterIsANewRegister() throws {
        var file = DXFile()
        file.add(["Register_Number": "L", "Endpoint_SN": "E1"])
        file.add(["Register_Number": "H", "Endpoint_SN": "E2", "Register_Unit_Of_Measure": ""])
        let (_, collected) = try scan(file.text)
        #expect(collected.records[0].exceptions.isEmpty)
        #expect(collected.records[1].exceptions.map(\.code) == [.missingOnCreate])
        #expect(collected.records[1].exceptions[0].message.contains("M1:H"))
    }

    @Test func recommendedFieldsAreWarnedOnCreationOnly() throws {
        var file = DXFile()
        file.add(["Location_City": ""])
        file.add(["Location_City": "", "Service_Point_ID": "002", "Meter_ID": "M2", "Endpoint_SN": "E2"])
        let (summary, collected) = try scan(file.text)
        #expect(collected.records[0].exceptions.map(\.code) == [.recommendedBlank])
        #expect(collected.records[1].exceptions.isEmpty)
        #expect(summary.warnings == 1 && summary.errors == 0)
    }

    @Test func endpointTypeIsRequiredWithAnEndpoint() throws {
        let (_, collected) = try scan(DXFile.one(["Endpoint_Type": ""]))
        #expect(collected.records[0].exceptions.map(\.code) == [.endpointTypeMissing])
        #expect(collected.records[0].blocked == .endpoint)
        let manual = try scan(DXFile.one(["Endpoint_SN": "", "Endpoint_Type": ""]))
        #expect(manual.collected.codes.isEmpty)
    }

    @Test(arguments: [
        (["Meter_Removal_Date": "2019-12-31"], ExceptionCode.removalBeforeInstall, "Meter_Removal_Date", Components.meter),
        (["Endpoint_Install_Date": "2021-01-01", "Endpoint_Removal_Date": "2020-12-31"], .removalBeforeInstall, "Endpoint_Removal_Date", .endpoint),
        (["SA_Start_Date": "2020-01-01", "SA_End_Date": "2019-01-01"], .endBeforeStart, "SA_End_Date", .serviceAgreement),
        (["Low_Read_Limit": "900", "High_Read_Limit": "100"], .lowAboveHigh, "Low_Read_Limit", .route),
    ])
    func rulesAcrossFields(_ changes: [String: String], _ code: ExceptionCode, _ column: String, _ blocked: Components) throws {
        let (_, collected) = try scan(DXFile.one(changes))
        #expect(collected.records[0].exceptions.map(\.code) == [code])
        #expect(collected.records[0].exceptions[0].column == column)
        #expect(collected.records[0].blocked == blocked)
    }

    @Test func rulesAcrossFieldsHoldWhenTheValuesAgree() throws {
        let (_, collected) = try scan(DXFile.one([
            "Meter_Removal_Date": "2020-01-15", "SA_Start_Date": "2020-01-01", "SA_End_Date": "2020-01-02",
            "Low_Read_Limit": "100", "High_Read_Limit": "100",
        ]))
        #expect(collected.codes.isEmpty)
    }

    @Test func nullIslandIsAWarning() throws {
        let (summary, collected) = try scan(DXFile.one(["Location_Latitude": "0", "Location_Longitude": "0.0"]))
        #expect(collected.codes == [.nullIsland])
        #expect(summary.errors == 0 && summary.ready == 1)
    }

    @Test func oneEndpointOnTwoRegistersIsAnError() throws {
        var file = DXFile()
        file.add()
        file.add(["Service_Point_ID": "002", "Meter_ID": "M2"])
        let (_, collected) = try scan(file.text)
        #expect(collected.records[1].exceptions.map(\.code) == [.endpointOnTwoRegisters])
        #expect(collected.records[1].exceptions[0].message == "Endpoint E1 is on register M2 here and on register M1 in record 1; an endpoint reads one register.")
        #expect(collected.records[1].blocked == .endpoint)
    }

    @Test func oneRegisterTwiceWithTheSameInstallDateAndOtherValuesIsAnError() throws {
        var file = DXFile()
        file.add()
        file.add(["Meter_Model": "T-11"])
        file.add()
        let (summary, collected) = try scan(file.text)
        #expect(collected.records.map { $0.exceptions.map(\.code) } == [[], [.registerConflict], [.duplicateRecord]])
        #expect(collected.records[1].exceptions[0].message.contains("another Meter_Model"))
        #expect(collected.records[1].blocked == .all)
        #expect(summary.errors == 1 && summary.warnings == 1)
    }

    @Test func aSecondRecordForTheSameRegisterAndDateThatOnlyFillsBlanksIsNoConflict() throws {
        var file = DXFile()
        file.add(["Meter_Note": ""])
        file.add(["Meter_Note": "gate code 1234", "Meter_Model": ""])
        let (_, collected) = try scan(file.text)
        #expect(collected.codes.isEmpty)
    }

    @Test func aRegisterWithSeveralInstallDatesIsHistoryNotAConflict() throws {
        var file = DXFile()
        file.add(["Meter_Install_Date": "2018-01-01", "Meter_Removal_Date": "2019-12-31", "Endpoint_SN": ""])
        file.add(["Meter_Install_Date": "2020-01-15", "Endpoint_SN": ""])
        file.add(["Meter_Install_Date": "2018-01-01", "Meter_Removal_Date": "2019-12-30", "Endpoint_SN": ""])
        let (_, collected) = try scan(file.text)
        #expect(collected.records[0].exceptions.isEmpty && collected.records[1].exceptions.isEmpty)
        // The same install date as record 1 with another removal date: a conflict (rule 11), an
        // error that blocks the register, which then rewrites no history: not also backdated.
        #expect(collected.records[2].exceptions.map(\.code) == [.registerConflict])
    }

    @Test func movesInTheFileAreWarnings() throws {
        var file = DXFile()
        file.add()
        file.add(["Account_ID": "A2", "Meter_Install_Date": "2021-01-01", "Endpoint_SN": "E1"])
        file.add(["Service_Point_ID": "002", "Meter_Install_Date": "2022-01-01", "Endpoint_SN": ""])
        let (summary, collected) = try scan(file.text)
        #expect(collected.records[1].exceptions.map(\.code) == [.accountChanged])
        #expect(collected.records[2].exceptions.map(\.code) == [.meterMoved])
        #expect(collected.records[2].exceptions[0].message == "Meter M1 moves from service point L1/001 to service point L1/002.")
        #expect(summary.errors == 0)
    }
}

extension RecordRuleTests {
    @Test func anEntityWithAWrongKeyIsNotAlsoCalledNew() throws {
        let (_, collected) = try scan(DXFile.one(["Endpoint_SN": String(repeating: "9", count: 24), "Endpoint_Type": ""]))
        #expect(collected.codes == [.tooLong])
    }
}
