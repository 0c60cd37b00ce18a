/// Recognises, from a file's first bytes, content that is not a CSV file at all, so the person
/// hears what they dropped (a workbook, a picture) and what to do, instead of a thousand row errors.
enum FileSniffer {
    static let prefixLength = 8_192

    static func problem(prefix: [UInt8], size: Int) -> ScanException? {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            prefix.count >= offset + magic.count && Array(prefix[offset..<(offset + magic.count)]) == magic
        }
        func contains(_ text: String) -> Bool {
            let needle = Array(text.utf8)
            guard prefix.count >= needle.count else { return false }
            return (0...(prefix.count - needle.count)).contains { prefix[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        let saveAsCSV = "Open it in the spreadsheet and save it as \"CSV UTF-8 (comma delimited)\", then drop the .csv file."
        if size == 0 || prefix.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) || prefix == [0xEF, 0xBB, 0xBF] {
            return ScanException(.emptyFile, message: "The file is empty: it has no header and no records. Export the Data Exchange file from the CIS again.")
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            if contains("xl/") || contains("[Content_Types].xml") || contains("opendocument") || contains("word/") {
                return ScanException(.spreadsheetFile, message: "The file is a spreadsheet workbook (.xlsx or .ods), not a CSV file. \(saveAsCSV)")
            }
            return ScanException(.archiveFile, message: "The file is a zip archive, not a CSV file. Unzip it and drop the .csv file inside.")
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return ScanException(.spreadsheetFile, message: "The file is an Excel 97-2003 workbook (.xls), not a CSV file. \(saveAsCSV)")
        }
        if starts([0x1F, 0x8B]) {
            return ScanException(.archiveFile, message: "The file is compressed with gzip, not a CSV file. Decompress it and drop the .csv file.")
        }
        let pictures: [([UInt8], Int, String)] = [
            ([0x89, 0x50, 0x4E, 0x47], 0, "a PNG picture"), ([0xFF, 0xD8, 0xFF], 0, "a JPEG picture"), (Array("GIF8".utf8), 0, "a GIF picture"),
            ([0x49, 0x49, 0x2A, 0x00], 0, "a TIFF picture"), ([0x4D, 0x4D, 0x00, 0x2A], 0, "a TIFF picture"), (Array("WEBP".utf8), 8, "a WebP picture"),
            (Array("ftypheic".utf8), 4, "a HEIC picture"), (Array("%PDF".utf8), 0, "a PDF document"),
        ]
        for (magic, offset, what) in pictures where starts(magic, at: offset) {
            return ScanException(.binaryFile, message: "The file is \(what), not a CSV file. Drop the Data Exchange file exported from the CIS.")
        }
        let utf16 = starts([0xFF, 0xFE]) || starts([0xFE, 0xFF])
            || (prefix.count >= 4 && (prefix[1] == 0 && prefix[3] == 0 || prefix[0] == 0 && prefix[2] == 0) && prefix[0] != prefix[1])
        if utf16 {
            return ScanException(
                .utf16File,
                message: "The file is saved as Unicode text (UTF-16), which this import does not read. \(saveAsCSV)")
        }
        if prefix.contains(0) || prefix.filter({ $0 < 0x09 || ($0 > 0x0D && $0 < 0x20) }).count > prefix.count / 100 {
            return ScanException(.binaryFile, message: "The file holds binary content, not CSV text. Drop the Data Exchange file exported from the CIS.")
        }
        return nil
    }
}
