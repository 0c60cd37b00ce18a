import DataExchange
import Testing

/// ID Update files: renames of accounts, locations, service points and meters.
@Suite struct IDUpdateTests {
    static var ledger: KnownLedger {
        var ledger = KnownLedger.holdingBase
        ledger.accounts.insert("A9")
        ledger.meters["M9"] = KnownMeter(servicePoint: nil)
        return ledger
    }

    @Test func aFileWithNewIDColumnsIsReadAsAnIDUpdateFile() throws {
        let (summary, collected) = try scan("Meter_ID,Meter_ID_new\nM1,M2\n", ledger: Self.ledger)
        #expect(summary.kind == .idUpdate)
        #expect(collected.codes.isEmpty)
        #expect(summary.ready == 1)
    }

    @Test func theOldIDMustExistAndTheNewOneMustNot() throws {
        let text = "Account_ID,Account_ID_new,Meter_ID,Meter_ID_new\nA1,A2,,\nA404,A5,,\n,,M1,M9\nA1,A3,,\n,,M1,M3\n"
        let (summary, collected) = try scan(text, ledger: Self.ledger)
        #expect(collected.records.map { $0.exceptions.map(\.code) } == [[], [.unknownID], [.idTaken], [.duplicateRename], []])
        #expect(collected.records[1].exceptions[0].message.contains("\"A404\" is not in the ledger"))
        #expect(summary.ready == 2 && summary.errors == 3)
    }

    @Test func inAnEmptyLedgerThereIsNothingToRename() throws {
        let (summary, collected) = try scan("Location_ID,Location_ID_new\nL1,L2\n")
        #expect(collected.codes == [.unknownID])
        #expect(summary.ready == 0)
    }

    @Test func aServicePointIsRenamedWithinItsLocation() throws {
        let ok = try scan("Location_ID,Service_Point_ID,Service_Point_ID_new\nL1,001,002\n", ledger: Self.ledger)
        #expect(ok.collected.codes.isEmpty)
        let elsewhere = try scan("Location_ID,Service_Point_ID,Service_Point_ID_new\nL2,001,002\n", ledger: Self.ledger)
        #expect(elsewhere.collected.codes == [.unknownID])
        // In a file that also renames locations, Location_ID alone scopes a service point's rename.
        let mixed = try scan("Location_ID,Location_ID_new,Service_Point_ID,Service_Point_ID_new\nL1,,001,002\nL1,,,\nL1,L7,001,003\n", ledger: Self.ledger)
        #expect(mixed.collected.records.map { $0.exceptions.map(\.code) } == [[], [.incompleteRename], [.incompleteRename]])
        let withoutLocation = try scan("Service_Point_ID,Service_Point_ID_new\n001,002\n", ledger: Self.ledger)
        #expect(withoutLocation.collected.fileExceptions.map(\.code) == [.incompletePair])
        #expect(!withoutLocation.summary.isImportable)
    }

    @Test func halfAPairIsAnErrorInTheHeaderAndInARecord() throws {
        let header = try scan("Meter_ID_new,Account_ID,Account_ID_new\nM2,A1,A2\n", ledger: Self.ledger)
        #expect(header.collected.fileExceptions.map(\.code) == [.incompletePair])
        #expect(header.collected.fileExceptions[0].column == "Meter_ID")
        let record = try scan("Meter_ID,Meter_ID_new,Account_ID,Account_ID_new\nM1,,,\n,,,\nM1,M2,A1,A2\n", ledger: Self.ledger)
        #expect(record.collected.records.map { $0.exceptions.map(\.code) } == [[.incompleteRename], [.incompleteRename]])
        #expect(record.collected.records[1].exceptions[0].message.contains("renames 2 IDs"))
    }

    @Test func idsKeepTheirFormatAndLength() throws {
        let (_, collected) = try scan("Meter_ID,Meter_ID_new\nM1,\(String(repeating: "9", count: 25))\nM1,1.2E+11\n", ledger: Self.ledger)
        #expect(collected.records.map { $0.exceptions.map(\.code) } == [[.tooLong], [.scientificNotation]])
        #expect(collected.records.allSatisfy { !$0.isReady })
    }
}
