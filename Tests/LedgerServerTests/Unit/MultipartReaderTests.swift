import Foundation
import Testing

@testable import LedgerServer

@Suite struct MultipartReaderTests {
    static let body = Array("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a b.csv\"\r\nContent-Type: text/csv\r\n\r\nA,B\r\n1,2--XyZ\r\n3\r\n--XyZ--\r\n".utf8)

    /// Fed in pieces of every size, the reader finds the same parts and bytes.
    @Test(arguments: [1, 2, 3, 5, 7, 16, 1_000])
    func partsAreFoundWhateverThePieces(size: Int) throws {
        var reader = try #require(MultipartReader(contentType: "multipart/form-data; boundary=\"XyZ\""))
        var parts: [(String, String?, [UInt8])] = []
        var start = 0
        while start < Self.body.count {
            for event in try reader.consume(Self.body[start..<min(start + size, Self.body.count)]) {
                switch event {
                case .partStarted(let field, let fileName): parts.append((field, fileName, []))
                case .bytes(let bytes): parts[parts.count - 1].2 += bytes
                case .partEnded: break
                }
            }
            start += size
        }
        #expect(reader.isFinished)
        #expect(parts.map(\.0) == ["note", "data"])
        #expect(parts[1].1 == "a b.csv")
        #expect(String(decoding: parts[0].2, as: UTF8.self) == "hello")
        #expect(String(decoding: parts[1].2, as: UTF8.self) == "A,B\r\n1,2--XyZ\r\n3")
    }

    /// Headers of at most `largestHeaders` bytes are read and longer ones refused, whatever the
    /// pieces: fed whole, headers of 16 KB and a little more had been read, and refused in pieces.
    @Test(arguments: [0, 1, 2, 3, 4])
    func headersTooLongAreRefusedWhateverThePieces(over: Int) throws {
        let start = "Content-Disposition: form-data; name=\"data\"\r\nX-Pad: "
        let padding = String(repeating: "p", count: MultipartReader.largestHeaders + over - start.utf8.count)
        let body = Array("--XyZ\r\n\(start)\(padding)\r\n\r\nv\r\n--XyZ--\r\n".utf8)
        for size in [1, 3, 7, 4_096, body.count] {
            var reader = try #require(MultipartReader(contentType: "multipart/form-data; boundary=XyZ"))
            var refused = false
            do {
                var start = 0
                while start < body.count {
                    _ = try reader.consume(body[start..<min(start + size, body.count)])
                    start += size
                }
            } catch is MultipartReader.Malformed {
                refused = true
            }
            #expect(refused == (over > 0), "pieces of \(size)")
            #expect(reader.isFinished == (over == 0), "pieces of \(size)")
        }
    }

    @Test func otherContentTypesAreNotMultipart() {
        #expect(MultipartReader(contentType: "text/csv") == nil)
        #expect(MultipartReader(contentType: "multipart/form-data") == nil)
    }

    /// A quoted file name may hold what separates parameters (curl sends `a;b".csv` so).
    @Test(arguments: [
        (#"form-data; name="data"; filename="a;b\".csv""#, "data", #"a;b".csv"#),
        (#"form-data; filename="x=1; y.csv"; name=data"#, "data", "x=1; y.csv"),
        (#"form-data; name="data"; filename="C:\exports\march.csv""#, "data", #"C:\exports\march.csv"#),
        (#"form-data; name=data; filename=plain.csv"#, "data", "plain.csv"),
        (#"form-data; name="data"; filename="""#, "data", ""),
    ])
    func aPartsNamesAreReadWithTheirQuotes(disposition: String, field: String, fileName: String) {
        let read = MultipartReader.disposition("Content-Disposition: \(disposition)\r\nContent-Type: text/csv")
        #expect(read.field == field && read.fileName == fileName)
    }
}
