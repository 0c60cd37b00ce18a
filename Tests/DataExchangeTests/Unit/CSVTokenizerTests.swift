import DataExchange
import Testing

/// The RFC 4180 reader, fed whole and in pieces of every size.
@Suite struct CSVTokenizerTests {
    struct Read: Equatable {
        var cells: [[String]]
        var numbers: [Int]
        var lines: [Int]
        var offsets: [Int]
        var flags: [RecordBatch.Flags]
    }

    static func read(_ bytes: [UInt8], chunkSize: Int = 1 << 20) -> Read {
        let batch = CSVTokenizer.records(in: bytes, chunkSize: chunkSize)
        return Read(
            cells: (0..<batch.count).map { batch.cells(ofRecordAt: $0).map { String(decoding: $0, as: UTF8.self) } },
            numbers: batch.records.map(\.number), lines: batch.records.map(\.line), offsets: batch.records.map(\.byteOffset),
            flags: batch.records.map(\.flags))
    }

    static func read(_ text: String, chunkSize: Int = 1 << 20) -> Read { read(Array(text.utf8), chunkSize: chunkSize) }

    @Test(arguments: [
        ("a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
        ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
        ("a,b\r1,2\r", [["a", "b"], ["1", "2"]]),
        ("a,b\n1,2", [["a", "b"], ["1", "2"]]),
        ("a,b\n\n\n1,2\n\n", [["a", "b"], ["1", "2"]]),
        ("a,b\r\n\r\n1,2", [["a", "b"], ["1", "2"]]),
        ("a,b\n,\n1,2\n", [["a", "b"], ["1", "2"]]),
        ("\"x, y\",\"say \"\"hi\"\"\"\n", [["x, y", "say \"hi\""]]),
        ("\"two\nlines\",b\n", [["two\nlines", "b"]]),
        ("\"two\r\nlines\",b\r\n", [["two\r\nlines", "b"]]),
        ("a,,c,\n", [["a", "", "c", ""]]),
        ("\"\",b\n", [["", "b"]]),
        ("\"\"\"\"\n", [["\""]]),
        ("solo", [["solo"]]),
        ("Müller,Zoë\n", [["Müller", "Zoë"]]),
    ])
    func cells(_ text: String, _ expected: [[String]]) {
        #expect(Self.read(text).cells == expected)
    }

    @Test func theByteOrderMarkIsRemoved() {
        let read = Self.read([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8))
        #expect(read.cells == [["a", "b"], ["1", "2"]])
        #expect(read.offsets == [3, 7])
    }

    @Test func aPartialByteOrderMarkIsText() {
        let batch = CSVTokenizer.records(in: [0xEF, 0xBB] + Array("a,b\n".utf8), chunkSize: 1)
        #expect(batch.cells(ofRecordAt: 0).map(Array.init) == [[0xEF, 0xBB, UInt8(ascii: "a")], [UInt8(ascii: "b")]])
    }

    /// Found by `Scripts/fuzz csv`: a record read alone from its offset (as the fix file reads
    /// it) took bytes like a byte-order mark at its start for one, and dropped them.
    @Test(arguments: [[0x0D, 0xEF, 0xBB, 0xBF], Array("a\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b,c\n".utf8), [0xEF, 0xBB, 0xBF, 0x0A, 0xEF, 0xBB, 0xBF]])
    func aRecordReadAloneIsTheRecordReadInTheFile(_ bytes: [UInt8]) throws {
        let file = CSVTokenizer.records(in: bytes)
        for index in 0..<file.count {
            let offset = file.records[index].byteOffset
            let alone = try #require(try CSVTokenizer.record(at: offset, in: MemoryByteSource(bytes)))
            #expect(alone.cells(ofRecordAt: 0) == file.cells(ofRecordAt: index))
            #expect(alone.records[0].byteOffset == offset)
        }
    }

    @Test func recordsKnowTheirNumberLineAndOffsetAcrossQuotedLineBreaksAndBlankLines() {
        let text = "h1,h2\n\n\"a\nb\nc\",x\r\n\r\nlast,y\n"
        let read = Self.read(text)
        #expect(read.numbers == [0, 1, 2])
        #expect(read.lines == [1, 3, 7])
        let bytes = Array(text.utf8)
        #expect(read.offsets == [0, 7, bytes.count - 7])
        #expect(bytes[read.offsets[2]] == UInt8(ascii: "l"))
    }

    @Test func everyChunkSizeReadsTheSame() {
        let text = "\u{FEFF}id,note\r\n1,\"a, \"\"quoted\"\"\r\nnote\"\r\n\r\n2,plain\r3,\"x\"\n4,é\n"
        let whole = Self.read(text)
        for size in 1...12 {
            #expect(Self.read(text, chunkSize: size) == whole, "chunk size \(size)")
        }
        #expect(whole.cells == [["id", "note"], ["1", "a, \"quoted\"\r\nnote"], ["2", "plain"], ["3", "x"], ["4", "é"]])
    }

    @Test func anUnterminatedQuoteIsFlaggedOnItsRecord() {
        let read = Self.read("a,b\n1,\"open\n2,3\n")
        #expect(read.cells.count == 2)
        #expect(read.flags[1].contains(.unterminatedQuote))
        #expect(read.cells[1] == ["1", "open\n2,3\n"])
    }

    @Test(arguments: ["a,b\n1,x\"y\n", "a,b\n1,\"x\"y\n"])
    func aStrayQuoteIsKeptAsTextAndFlagged(_ text: String) {
        let read = Self.read(text)
        #expect(read.flags[1].contains(.strayQuote))
        #expect(read.cells[1] == ["1", "x\"y"])
    }

    @Test func aHugeUnclosedQuoteIsBounded() {
        var bytes = Array("a,b\n1,\"".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "z"), count: 3 * CSVTokenizer.maximumRecordBytes)
        let batch = CSVTokenizer.records(in: bytes, chunkSize: 1 << 16)
        #expect(batch.count == 2)
        #expect(batch.bytes.count <= CSVTokenizer.maximumRecordBytes + (1 << 16) + 16)
        #expect(batch.records[1].flags.contains(.unterminatedQuote))
        #expect(batch.records[1].flags.contains(.truncated))
    }

    @Test func aBatchStopsAtItsLimitAndTheRestGoesOn() {
        let text = (0..<50).map { "r\($0),\"q\($0)\"" }.joined(separator: "\r\n") + "\r\n"
        let bytes = Array(text.utf8)
        var tokenizer = CSVTokenizer()
        var batches: [RecordBatch] = []
        var batch = RecordBatch()
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(start + 37, buffer.count)
                var piece = UnsafeBufferPointer(rebasing: buffer[start..<end])
                while !piece.isEmpty {
                    let taken = tokenizer.consume(piece, into: &batch, limit: 7)
                    piece = UnsafeBufferPointer(rebasing: piece[taken...])
                    if batch.count >= 7 {
                        batches.append(batch)
                        batch = RecordBatch()
                    }
                }
                start = end
            }
        }
        tokenizer.finish(into: &batch)
        batches.append(batch)
        let cells = batches.flatMap { b in (0..<b.count).map { b.cells(ofRecordAt: $0).map { String(decoding: $0, as: UTF8.self) } } }
        #expect(cells == (0..<50).map { ["r\($0)", "q\($0)"] })
        #expect(batches.flatMap { $0.records.map(\.number) } == Array(0..<50))
        #expect(batches.flatMap { $0.records.map(\.line) } == Array(1...50))
        let offsets = batches.flatMap { $0.records.map(\.byteOffset) }
        #expect(offsets.enumerated().allSatisfy { bytes[$0.element] == UInt8(ascii: "r") && ($0.offset == 0 || bytes[$0.element - 1] == 0x0A) })
    }
}
