@testable import DataExchange
import Foundation
import Testing

/// Random and mutated bytes: the scanner never crashes or hangs, always ends with a report or a
/// file-level error, and its totals agree with what it reported.
@Suite struct FuzzTests {
    /// The sample files' SplitMix64: the same seed, the same cases, on every machine.
    typealias Random = SampleRandom

    static let seedFile: [UInt8] = {
        var file = DXFile(extra: ["Meter_Note", "SA_Start_Date", "SA_End_Date", "Low_Read_Limit", "High_Read_Limit"])
        for n in 0..<40 {
            file.add(["Account_ID": "A\(n % 7)", "Location_ID": "L\(n % 9)", "Meter_ID": "M\(n % 11)", "Endpoint_SN": "E\(n % 13)",
                      "Meter_Note": n % 5 == 0 ? "note, \"quoted\"\nsecond line" : "", "Register_Number": ["", "L", "H", "0"][n % 4],
                      "SA_Start_Date": "2020-01-0\(n % 9 + 1)", "SA_End_Date": n % 3 == 0 ? "2019-12-31" : "",
                      "Low_Read_Limit": "\(n)", "High_Read_Limit": "\(40 - n)"])
        }
        return Array(file.text.utf8)
    }()

    static func mutate(_ bytes: [UInt8], _ random: inout Random) -> [UInt8] {
        var bytes = bytes
        let alphabet: [UInt8] = Array(",\"\r\n;\t|_CLEAR_0123456789-/.E+ ".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0xEF, 0xBB, 0xBF, 0x80]
        for _ in 0..<Int.random(in: 1...12, using: &random) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: bytes[at] = alphabet.randomElement(using: &random)!
            case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...60, using: &random)))
            default:
                let from = Int.random(in: 0..<bytes.count, using: &random)
                bytes.insert(contentsOf: bytes[from..<min(bytes.count, from + 80)], at: at)
            }
        }
        return bytes
    }

    static func checkInvariants(_ bytes: [UInt8], batchSize: Int = 1_024) throws {
        let (summary, collected) = try scan(bytes, ledger: KnownLedger.holdingBase, batchSize: batchSize)
        #expect(summary.errors + summary.warnings == collected.allExceptions.count)
        #expect(summary.errors == collected.allExceptions.filter { $0.severity == .error }.count)
        #expect(summary.byCode.values.reduce(0, +) == collected.allExceptions.count)
        #expect(summary.ready <= summary.records)
        if summary.isImportable {
            #expect(summary.records == collected.records.count)
            #expect(summary.ready == collected.records.filter(\.isReady).count)
            #expect(collected.records.map(\.number) == Array(1..<(collected.records.count + 1)))
            #expect(collected.records.allSatisfy { record in record.exceptions.allSatisfy { $0.record == record.number && $0.line == record.line } })
            #expect(zip(collected.records, collected.records.dropFirst()).allSatisfy { $0.line < $1.line && $0.byteOffset < $1.byteOffset })
        } else {
            #expect(summary.fileErrors > 0 && summary.ready == 0 && collected.records.isEmpty)
        }
    }

    @Test func mutatedFilesAlwaysEndInAReport() throws {
        var random = Random(seed: 20_261_129)
        for _ in 0..<400 {
            try Self.checkInvariants(Self.mutate(Self.seedFile, &random))
        }
    }

    @Test func randomBytesAlwaysEndInAReportOrAFileError() throws {
        var random = Random(seed: 7)
        for _ in 0..<300 {
            let count = Int.random(in: 0..<2_000, using: &random)
            let header = Array("Account_ID,Location_ID,Service_Point_ID,Meter_ID\n".utf8)
            let noise = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            try Self.checkInvariants(Bool.random(using: &random) ? header + noise : noise)
        }
    }

    @Test func theBatchSizeChangesNothing() throws {
        var random = Random(seed: 99)
        for _ in 0..<30 {
            let bytes = Self.mutate(Self.seedFile, &random)
            let whole = try scan(bytes, ledger: KnownLedger.holdingBase)
            for size in [1, 3, 16] {
                let batched = try scan(bytes, ledger: KnownLedger.holdingBase, batchSize: size)
                #expect(batched.collected.allExceptions == whole.collected.allExceptions, "batch size \(size)")
                #expect(batched.summary.ready == whole.summary.ready)
            }
        }
    }

    @Test func theReaderReadsTheSameInPiecesOfAnySize() {
        var random = Random(seed: 3)
        for _ in 0..<200 {
            let bytes = Self.mutate(Self.seedFile, &random)
            let whole = CSVTokenizerTests.read(bytes)
            let size = Int.random(in: 1...64, using: &random)
            #expect(CSVTokenizerTests.read(bytes, chunkSize: size) == whole, "piece size \(size)")
        }
    }
}
