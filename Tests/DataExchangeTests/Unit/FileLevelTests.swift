import DataExchange
import Foundation
import Testing
import TestSupport

/// What stops a whole file, and the warnings about a file as a whole.
@Suite struct FileLevelTests {
    static let notCSV: [(bytes: [UInt8], code: ExceptionCode)] = {
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        let workbook: [UInt8] = zip + Array("....[Content_Types].xml....xl/workbook.xml".utf8)
        let archive: [UInt8] = zip + Array("....data.csv....".utf8)
        let xls: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0]
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]
        let binary: [UInt8] = Array("Account_ID,Meter_ID\n".utf8) + [0, 1, 2, 3] + Array("x,y\n".utf8)
        let utf16: [UInt8] = [0xFF, 0xFE] + Array("A\0c\0c\0".utf8)
        return [
            ([], .emptyFile), (Array("\n\r\n  \n".utf8), .emptyFile), ([0xEF, 0xBB, 0xBF], .emptyFile),
            (workbook, .spreadsheetFile), (xls, .spreadsheetFile), (archive, .archiveFile), ([0x1F, 0x8B, 0x08, 0x00], .archiveFile),
            (png, .binaryFile), (jpeg, .binaryFile), (Array("%PDF-1.7\n%....".utf8), .binaryFile), (binary, .binaryFile),
            (utf16, .utf16File),
        ]
    }()

    @Test(arguments: notCSV)
    func notACSVFile(_ file: (bytes: [UInt8], code: ExceptionCode)) throws {
        let (bytes, code) = file
        let (summary, collected) = try scan(bytes)
        #expect(collected.fileExceptions.map(\.code) == [code])
        #expect(summary.fileErrors == 1)
        #expect(!summary.isImportable)
        #expect(summary.ready == 0)
        let exception = try #require(collected.fileExceptions.first)
        #expect(exception.record == nil && exception.line == nil)
        #expect(exception.blocked == .file)
    }

    @Test func aHeaderWithoutRecordsIsAWarningNotAnError() throws {
        let (summary, collected) = try scan(DXFile.baseColumns.joined(separator: ",") + "\r\n")
        #expect(collected.codes == [.noRecords])
        #expect(summary.errors == 0 && summary.warnings == 1 && summary.isImportable)
        #expect(summary.records == 0)
    }

    @Test(arguments: [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")])
    func anotherDelimiterStopsTheFile(_ delimiter: String, _ named: String) throws {
        let text = DXFile.one().replacingOccurrences(of: ",", with: delimiter)
        let (summary, collected) = try scan(text)
        #expect(collected.fileExceptions.map(\.code) == [.wrongDelimiter])
        #expect(collected.fileExceptions[0].message.contains(named))
        #expect(!summary.isImportable)
        #expect(summary.records == 1)
        #expect(collected.records.isEmpty)
    }

    @Test func aMissingKeyColumnStopsTheFileAndNamesTheColumn() throws {
        var file = DXFile(columns: DXFile.baseColumns.filter { $0 != "Meter_ID" })
        file.add()
        file.add(["Account_ID": "A2"])
        let (summary, collected) = try scan(file.text)
        #expect(collected.fileExceptions.map(\.code) == [.missingKeyColumn])
        #expect(collected.fileExceptions[0].column == "Meter_ID")
        #expect(summary.fileErrors == 1 && summary.records == 2 && summary.ready == 0)
    }

    @Test func aRepeatedColumnStopsTheFileAlsoThroughAnAlias() throws {
        let repeated = try scan("Account_ID,Location_ID,Service_Point_ID,Meter_ID,Meter_ID\nA,L,S,M,M\n")
        #expect(repeated.collected.fileExceptions.map(\.code) == [.repeatedColumn])
        let aliased = try scan("Account_ID,Location_ID,Service_Point_ID,Meter_ID,SP_Latitude,Service_Point_Latitude\nA,L,S,M,1,1\n")
        #expect(aliased.collected.fileExceptions.map(\.code) == [.renamedColumn, .repeatedColumn])
        #expect(aliased.collected.fileExceptions[1].column == "Service_Point_Latitude")
        #expect(!aliased.summary.isImportable)
    }

    @Test func anAliasIsReadUnderItsCurrentNameWithAWarning() throws {
        let text = DXFile.one(["Meter_Resolution": "1,5"]).replacingOccurrences(of: "Register_Resolution,", with: "Register_Note,")
        let (summary, collected) = try scan(text)
        let renamed = try #require(collected.fileExceptions.first { $0.code == .renamedColumn })
        #expect(renamed.column == "Meter_Resolution")
        #expect(renamed.message.contains("Register_Resolution"))
        // The value under the older name is checked as Register_Resolution.
        #expect(collected.records[0].exceptions.map(\.column) == ["Register_Resolution"])
        #expect(summary.isImportable)
    }

    @Test func unknownColumnsAreWarnedOnceAndIgnored() throws {
        let (summary, collected) = try scan(DXFile.one(["Meter_Colour": "not a checked value, anything"]))
        #expect(collected.codes == [.unknownColumn])
        #expect(collected.fileExceptions[0].column == "Meter_Colour")
        #expect(summary.errors == 0 && summary.ready == 1)
    }

    @Test func headerNamesAreExactButTrimmed() throws {
        let trimmed = try scan(DXFile.one().replacingOccurrences(of: "Account_ID,", with: " Account_ID ,"))
        #expect(trimmed.collected.codes.isEmpty)
        let wrongCase = try scan(DXFile.one().replacingOccurrences(of: "Account_ID,", with: "account_id,"))
        #expect(wrongCase.collected.fileExceptions.map(\.code) == [.unknownColumn, .missingKeyColumn])
    }

    @Test func aFileNotInUTF8IsReadAsWindows1252WithOneWarning() throws {
        var bytes = Array(DXFile.one(["Account_Full_Name": "Jose Muller"]).utf8)
        let name = Array("Jose Muller".utf8)
        let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        bytes[at + 3] = 0xE9  // é
        bytes[at + 6] = 0xFC  // ü
        var file = bytes
        file += Array("A2,,L2,1 Main St,Milwaukee,WI,53202,43.04,-87.91,001,W,M2,Neptune,T-10,0.625,IN,N,2020-01-15,,GAL,1,E2,M,Toolong\n".utf8)
        let (summary, collected) = try scan(file)
        #expect(summary.encoding == .windows1252)
        #expect(collected.fileExceptions.map(\.code) == [.windows1252])
        #expect(collected.records[0].cells.contains("José Müller"))
        #expect(summary.warnings == 1)
    }

    @Test func aFixFileDroppedAgainIsReadWithoutAWordAboutItsExceptionsColumn() throws {
        let text = DXFile.one().replacingOccurrences(of: "Endpoint_Type\n", with: "Endpoint_Type,Exceptions\n")
            .replacingOccurrences(of: ",M\n", with: ",M,\"error: something was wrong\"\n")
        let (summary, collected) = try scan(text)
        #expect(collected.codes.isEmpty)
        #expect(summary.ready == 1)
    }
}

extension FileLevelTests {
    @Test func aFileOverSeventyMegabytesIsRefusedUnread() throws {
        // A sparse file: a valid record, then zeros up to one byte over the limit.
        let folder = try TemporaryFolder("ledger-tests")
        defer { folder.remove() }
        let path = folder.appendingPathComponent("big.csv").path
        FileManager.default.createFile(atPath: path, contents: Data(DXFile.one().utf8))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(FileSizeLimit.maximumBytes + 1))
        try handle.close()
        var collected = Collected()
        let scanner = Scanner(specification: try Specification.bundled(), today: testToday)
        let summary = try scanner.scan(try FileByteSource(path: path), name: "big.csv", observer: &collected)
        #expect(collected.fileExceptions.map(\.code) == [.fileTooLarge])
        #expect(collected.fileExceptions[0].message == "big.csv is 70.0 MB; files of at most 70 MB are imported. Split the export into smaller files and drop each.")
        #expect(summary.ready == 0 && !summary.isImportable && collected.records.isEmpty)
        let limit = folder.appendingPathComponent("limit.csv").path
        FileManager.default.createFile(atPath: limit, contents: Data(DXFile.one().utf8))
        let atLimit = try #require(FileHandle(forWritingAtPath: limit))
        try atLimit.truncate(atOffset: UInt64(FileSizeLimit.maximumBytes))
        try atLimit.close()
        #expect(FileSizeLimit.problem(size: FileSizeLimit.maximumBytes, name: "limit.csv") == nil)
    }
}
