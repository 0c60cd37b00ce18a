@testable import DataExchange
import Foundation
import Testing

/// An approval reads the records of a file scanned before with the outcomes that scan kept: the
/// same records, blocked and ready as the scan said, whatever the file and the batch size.
@Suite struct RecordOutcomesTests {
    struct Both: ScanObserver {
        var collected = Collected()
        var outcomes = RecordOutcomes()
        mutating func scanner(found exception: ScanException) throws { try collected.scanner(found: exception) }
        mutating func scanner(readHeader header: Header) throws { try collected.scanner(readHeader: header) }
        mutating func scanner(scanned record: ScannedRecord) throws {
            try collected.scanner(scanned: record)
            try outcomes.scanner(scanned: record)
        }
    }

    @Test func theRecordsReadWithKeptOutcomesAreTheRecordsScanned() throws {
        var random = FuzzTests.Random(seed: 41)
        var compared = 0
        for round in 0..<150 {
            let bytes = round == 0 ? FuzzTests.seedFile : FuzzTests.mutate(FuzzTests.seedFile, &random)
            var scanner = Scanner(specification: try Specification.bundled(), today: testToday)
            scanner.batchSize = [1, 3, 7, 512][round % 4]
            var both = Both()
            let summary = try scanner.scan(MemoryByteSource(bytes), name: "f.csv", observer: &both)
            guard summary.isImportable else { continue }
            #expect(both.outcomes.count == summary.records)
            var again = Collected()
            let count = try scanner.records(of: MemoryByteSource(bytes), outcomes: both.outcomes, observer: &again)
            #expect(count == summary.records)
            #expect(again.header == both.collected.header)
            #expect(again.records.map(\.cells) == both.collected.records.map(\.cells), "round \(round)")
            #expect(again.records.map(\.number) == both.collected.records.map(\.number))
            #expect(again.records.map(\.blocked) == both.collected.records.map(\.blocked))
            #expect(again.records.map(\.isReady) == both.collected.records.map(\.isReady))
            #expect(again.records.allSatisfy { $0.exceptions.isEmpty })
            compared += 1
        }
        #expect(compared > 50)
    }

    @Test func outcomesThatDoNotFitTheFileAreRefused() throws {
        let scanner = Scanner(specification: try Specification.bundled(), today: testToday)
        var both = Both()
        _ = try scanner.scan(MemoryByteSource(FuzzTests.seedFile), name: "f.csv", observer: &both)
        var short = RecordOutcomes()
        short.append(blocked: [], isReady: true)
        var ignored = Collected()
        #expect(throws: RecordOutcomes.Malformed.self) { try scanner.records(of: MemoryByteSource(FuzzTests.seedFile), outcomes: short, observer: &ignored) }
        #expect(throws: RecordOutcomes.Malformed.self) { try RecordOutcomes(data: Data([1, 2, 3])) }
        #expect(try RecordOutcomes(data: both.outcomes.data) == both.outcomes)
    }
}
