import DataExchange
import Testing

/// `ledger sample`'s generator: realistic files, the same bytes for the same options, that the
/// scanner reads exactly as the generator meant them.
@Suite struct SampleGeneratorTests {
    static func sample(_ options: SampleOptions) throws -> (bytes: [UInt8], summary: SampleSummary) {
        try SampleGenerator(options: options).bytes()
    }

    /// The data rows of a file, each as its cells by column name.
    static func rows(_ bytes: [UInt8]) -> [[String: String]] {
        let batch = CSVTokenizer.records(in: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes)
        let header = batch.cells(ofRecordAt: 0).map { String(decoding: $0, as: UTF8.self) }
        return (1..<batch.count).map { index in
            Dictionary(uniqueKeysWithValues: zip(header, batch.cells(ofRecordAt: index).map { String(decoding: $0, as: UTF8.self) }))
        }
    }

    @Test func theSameSeedAndOptionsGiveTheSameBytes() throws {
        let options = SampleOptions(length: .rows(800), seed: 42, generation: 2, errorShare: 0.1, quirks: true)
        #expect(try Self.sample(options).bytes == (try Self.sample(options).bytes))
        var other = options
        other.seed = 43
        #expect(try Self.sample(options).bytes != (try Self.sample(other).bytes))
    }

    @Test func aCleanFileScansWithoutErrorsAndHasTheSpecificationsHeader() throws {
        let (bytes, summary) = try Self.sample(SampleOptions(length: .rows(4_000), seed: 3, compoundShare: 0.1))
        let (scanned, collected) = try scan(bytes)
        #expect(scanned.errors == 0, "\(scanned.byCode)")
        #expect(scanned.records == 4_000 && summary.rows == 4_000 && summary.bytes == bytes.count)
        #expect(scanned.ready == 4_000)
        #expect(collected.header == (try Specification.bundled().columns.map(\.name)))
        #expect(summary.mistakes.isEmpty)
    }

    @Test(arguments: [0, 1, 2, 7, 333])
    func theFileHasTheRowsAskedFor(rows: Int) throws {
        let (bytes, summary) = try Self.sample(SampleOptions(length: .rows(rows), compoundShare: 0.5))
        #expect(Self.rows(bytes).count == rows)
        #expect(summary.rows == rows)
        #expect(try scan(bytes).summary.errors == 0)
    }

    @Test func theRowsOfACompoundMeterShareItsMeterID() throws {
        let rows = Self.rows(try Self.sample(SampleOptions(length: .rows(400), compoundShare: 1)).bytes)
        #expect(rows.count == 400)
        for pair in stride(from: 0, to: rows.count, by: 2) {
            #expect(rows[pair]["Register_Number"] == "L" && rows[pair + 1]["Register_Number"] == "H")
            #expect(rows[pair]["Meter_ID"] == rows[pair + 1]["Meter_ID"])
            #expect(rows[pair]["Endpoint_SN"] != rows[pair + 1]["Endpoint_SN"] || rows[pair]["Endpoint_SN"] == "")
        }
        let single = Self.rows(try Self.sample(SampleOptions(length: .rows(400), compoundShare: 0)).bytes)
        #expect(single.allSatisfy { $0["Register_Number"] == "" })
        #expect(Set(single.map { $0["Meter_ID"] }).count == 400)
    }

    @Test func aboutOneInFourteenMetersIsReadByHand() throws {
        let rows = Self.rows(try Self.sample(SampleOptions(length: .rows(5_000))).bytes)
        let manual = rows.filter { $0["Endpoint_SN"] == "" }
        #expect((0.05...0.09).contains(Double(manual.count) / Double(rows.count)))
        #expect(manual.allSatisfy { $0["Endpoint_Type"] == "" })
        #expect(Set(rows.map { $0["Location_ID"] }).count < rows.count, "some locations have more than one service point")
    }

    @Test func aLaterGenerationChangesAboutTheShareAskedForAndKeepsTheRest() throws {
        let first = Self.rows(try Self.sample(SampleOptions(length: .rows(6_000), seed: 9)).bytes)
        let (bytes, _) = try Self.sample(SampleOptions(length: .rows(6_000), seed: 9, generation: 1, changeShare: 0.05))
        let later = Self.rows(bytes)
        #expect(later.count == first.count)
        var changed: Set<String> = [], servicePoints: Set<String> = []
        for (old, new) in zip(first, later) {
            // Rows keep their place: the same location, service point and register.
            #expect(old["Location_ID"] == new["Location_ID"] && old["Service_Point_ID"] == new["Service_Point_ID"])
            let point = "\(old["Location_ID"]!)/\(old["Service_Point_ID"]!)"
            servicePoints.insert(point)
            if old != new { changed.insert(point) }
        }
        let share = Double(changed.count) / Double(servicePoints.count)
        #expect((0.035...0.08).contains(share), "\(share) of the service points changed")
        // Every kind of change is there.
        #expect(zip(first, later).contains { $0["Account_ID"] != $1["Account_ID"] && $1["SA_Start_Date"] == "2025-01-06" })
        #expect(zip(first, later).contains { $0["Meter_ID"] != $1["Meter_ID"] && $1["Meter_Install_Date"] == "2025-01-06" })
        #expect(zip(first, later).contains { $0["Meter_ID"] == $1["Meter_ID"] && $0["Endpoint_SN"] != $1["Endpoint_SN"] })
        #expect(later.contains { $0.values.contains("_CLEAR_") })
        let (scanned, _) = try scan(bytes)
        #expect(scanned.errors == 0, "\(scanned.byCode)")
    }

    @Test func generationsBuildOnEachOther() throws {
        let second = Self.rows(try Self.sample(SampleOptions(length: .rows(3_000), seed: 9, generation: 2)).bytes)
        let first = Self.rows(try Self.sample(SampleOptions(length: .rows(3_000), seed: 9, generation: 1)).bytes)
        let changed = zip(first, second).filter { $0 != $1 }.count
        #expect(changed > 0 && changed < 3_000 / 8)
    }

    @Test func quirksAreThereAndTheFileStillScans() throws {
        let (bytes, _) = try Self.sample(SampleOptions(length: .rows(3_000), seed: 5, quirks: true))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{FEFF}Account_ID,") && text.contains("\r\n"))
        #expect(text.contains("\"Behind the gate, \"\"beware of dog\"\",\nask for key\""))
        #expect(text.contains("\"Unit 4, Building B\""))
        let (scanned, _) = try scan(bytes)
        #expect(scanned.errors == 0 && scanned.records == 3_000, "\(scanned.byCode)")
    }

    @Test func injectedMistakesAreFoundOneByOneWithTheirCodes() throws {
        let (bytes, summary) = try Self.sample(SampleOptions(length: .rows(2_000), seed: 11, errorShare: 1))
        #expect(Set(summary.mistakes.keys) == Set(SampleMistake.allCases))
        #expect(summary.mistakes.values.reduce(0, +) == 2_000)
        let (scanned, _) = try scan(bytes)
        #expect(scanned.errors == 2_000)
        #expect(scanned.recordsWithErrors == 2_000)
        let errorsByCode = scanned.byCode.filter { ExceptionCode(rawValue: $0.key)?.severity == .error }
        #expect(errorsByCode == Dictionary(uniqueKeysWithValues: summary.expectedErrors.map { ($0.key.rawValue, $0.value) }))
    }

    /// The options of `ScanCommandTests.aGeneratedFileWithInjectedMistakesIsScannedExactly`, whose
    /// counts are pinned there: here they are what the generator injected.
    @Test func aFewMistakesAreAboutTheirShareAndEachIsFound() throws {
        let (bytes, summary) = try Self.sample(SampleOptions(length: .rows(3_000), seed: 11, errorShare: 0.05, quirks: true))
        let count = summary.mistakes.values.reduce(0, +)
        #expect(count == 170, "about 5% of 3,000 rows")
        let (scanned, _) = try scan(bytes)
        #expect(scanned.errors == count && scanned.recordsWithErrors == count && scanned.warnings == 0)
        #expect(scanned.byCode == Dictionary(uniqueKeysWithValues: summary.expectedErrors.map { ($0.key.rawValue, $0.value) }))
        // A wrong key places the register nowhere: the whole record waits; other mistakes block a part.
        let wholeRecord = summary.mistakes[.blankKey, default: 0] + summary.mistakes[.scientificNotationID, default: 0]
        #expect(scanned.ready == 3_000 - wholeRecord)
    }

    @Test func anIDUpdateFileRenamesEntitiesTheUtilityHas() throws {
        let options = SampleOptions(length: .rows(2_000), seed: 4, generation: 1)
        var ledger = KnownLedger()
        for row in Self.rows(try Self.sample(options).bytes) {
            let point = ServicePointKey(location: row["Location_ID"]!, servicePoint: row["Service_Point_ID"]!)
            ledger.accounts.insert(row["Account_ID"]!)
            ledger.locations.insert(row["Location_ID"]!)
            ledger.servicePoints[point] = KnownServicePoint(account: row["Account_ID"]!)
            ledger.meters[row["Meter_ID"]!] = KnownMeter(servicePoint: point)
        }
        var renaming = options
        renaming.idUpdate = 120
        let (bytes, summary) = try Self.sample(renaming)
        #expect(summary.kind == .idUpdate && summary.rows == 120)
        let (scanned, collected) = try scan(bytes, ledger: ledger)
        #expect(scanned.kind == .idUpdate)
        #expect(collected.header == (try Specification.bundled(.idUpdate).columns.map(\.name)))
        #expect(scanned.errors == 0 && scanned.ready == 120, "\(scanned.byCode)")
        let rows = Self.rows(bytes)
        for column in ["Account_ID_new", "Location_ID_new", "Meter_ID_new", "Service_Point_ID_new"] {
            #expect(rows.filter { $0[column] != "" }.count == 30, "\(column)")
        }
        #expect(rows.filter { $0["Service_Point_ID_new"] != "" }.allSatisfy { $0["Location_ID"] != "" })
        #expect(throws: DataExchangeError.self) { try Self.sample(SampleOptions(length: .rows(10), idUpdate: 50)) }
    }

    @Test(arguments: [0.5, 3.0])
    func aSizeInMebibytesLandsJustUnderIt(size: Double) throws {
        let (bytes, summary) = try Self.sample(SampleOptions(length: .mebibytes(size), seed: 7, errorShare: 0.05, quirks: true))
        let target = size * 1_048_576
        #expect(Double(bytes.count) <= target && Double(bytes.count) >= target * 0.99)
        #expect(summary.bytes == bytes.count)
        #expect(Self.rows(bytes).count == summary.rows)
    }

    @Test func optionsOutsideTheirRangesAreRefused() {
        for options in [
            SampleOptions(length: .rows(-1)), SampleOptions(length: .mebibytes(0)), SampleOptions(compoundShare: 1.5),
            SampleOptions(generation: -1), SampleOptions(errorShare: -0.1), SampleOptions(length: .mebibytes(1), idUpdate: 3),
        ] {
            #expect(options.problem != nil)
            #expect(throws: DataExchangeError.self) { try SampleGenerator(options: options) }
        }
    }
}
