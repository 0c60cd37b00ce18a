#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An RFC 4180 reader over bytes, as a state machine: fed buffers of any size, it reads whole
/// records into a `RecordBatch`. Quoted cells with commas, doubled quotes and line breaks; CRLF,
/// LF and CR line ends; a last line with or without a line break; blank lines and the UTF-8
/// byte-order mark skipped; records, physical lines and byte offsets counted as it goes.
///
/// It copies each buffer into the batch once and finds the cells in place: a cell is a range of
/// the batch's bytes, and only a quoted cell with doubled quotes is rewritten, in place, shorter.
/// It is lenient where spreadsheets are sloppy (a stray quote is kept as text and flagged) and
/// bounded where input is hostile: a record keeps at most `maximumRecordBytes` bytes and
/// `maximumCells` cells, so an unclosed quote cannot take the whole file into memory.
public struct CSVTokenizer: Sendable {
    public static let maximumRecordBytes = 1 << 20
    public static let maximumCells = 2_048

    private enum State: Sendable {
        case recordStart, cellStart, unquoted, quoted, quoteInQuoted
    }

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private var state = State.recordStart
    /// The previous byte was a CR, so an LF now belongs to the same line break.
    private var afterCarriageReturn = false
    private var byteOrderMarkMatched = 0
    private var pastStart = false
    private var line = 1
    /// The offset in the file of the first byte of the batch being read.
    private var base = 0
    /// The next byte of the batch to read.
    private var cursor = 0
    private var nextRecordNumber = 0

    private var recordLine = 0
    private var recordOffset = 0
    private var recordStart = 0
    private var recordFirstCell = 0
    private var recordCellCount = 0
    private var recordFlags = RecordBatch.Flags()
    private var recordHasContent = false
    private var overflowing = false
    /// Where the cell being read starts, and where its next byte goes.
    private var cellStart = 0
    private var write = 0

    public init() {}

    /// A reader that starts at `offset` of a file, at the start of a record: past the file's
    /// start, bytes that look like a byte-order mark are the record's text.
    init(startingAt offset: Int) {
        pastStart = offset > 0
        base = offset
    }

    /// The UTF-8 byte-order mark was found at the start of the input.
    public private(set) var hadByteOrderMark = false

    /// Reads `input` into `batch`. Stops right after a record once `batch` holds `limit` records,
    /// and returns how many bytes of `input` it took; the caller hands the rest to a new batch.
    /// Until then every call must pass the same batch.
    public mutating func consume(
        _ input: UnsafeBufferPointer<UInt8>, into batch: inout RecordBatch, limit: Int = .max
    ) -> Int {
        var taken = 0
        while !pastStart && taken < input.count {
            if input[taken] == Self.byteOrderMark[byteOrderMarkMatched] {
                byteOrderMarkMatched += 1
                taken += 1
                if byteOrderMarkMatched == 3 {
                    hadByteOrderMark = true
                    pastStart = true
                    base = 3
                }
            } else {
                // A partial mark is ordinary text at the start of the first cell.
                pastStart = true
                batch.bytes.append(contentsOf: Self.byteOrderMark[0..<byteOrderMarkMatched])
            }
        }
        let rest = UnsafeBufferPointer(rebasing: input[taken...])
        batch.bytes.append(contentsOf: rest)
        let stop = read(&batch, limit: limit)
        if batch.count >= limit {
            // The batch is full: what follows its last record belongs to the next batch.
            let untaken = batch.bytes.count - stop
            batch.bytes.removeSubrange(stop...)
            base += stop
            cursor = 0
            return input.count - untaken
        }
        if overflowing && batch.bytes.count - recordStart > Self.maximumRecordBytes {
            let keep = recordStart + Self.maximumRecordBytes
            base += batch.bytes.count - keep
            batch.bytes.removeSubrange(keep...)
            cursor = keep
            cellStart = min(cellStart, keep)
            write = min(write, keep)
        }
        return input.count
    }

    /// Ends the input: completes the last record when the file does not end with a line break.
    public mutating func finish(into batch: inout RecordBatch) {
        if !pastStart && byteOrderMarkMatched > 0 {
            pastStart = true
            batch.bytes.append(contentsOf: Self.byteOrderMark[0..<byteOrderMarkMatched])
            _ = read(&batch, limit: .max)
        }
        switch state {
        case .recordStart:
            break
        case .quoted:
            recordFlags.insert(.unterminatedQuote)
            endLastRecord(in: &batch)
        case .cellStart:
            cellStart = batch.bytes.count
            write = cellStart
            endLastRecord(in: &batch)
        case .unquoted, .quoteInQuoted:
            endLastRecord(in: &batch)
        }
        state = .recordStart
    }

    /// Reads the batch's bytes from `cursor`; returns where it stopped: the end of the bytes, or
    /// the start of the first record past `limit`.
    private mutating func read(_ batch: inout RecordBatch, limit: Int) -> Int {
        // Work on the batch's arrays as locals, so the loop below touches them without checks.
        var bytes = batch.bytes, records = batch.records, cellsRead = batch.cells
        batch.bytes = []
        batch.cells = []
        batch.records = []
        let stop = bytes.withUnsafeMutableBufferPointer { bytes in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.pendingCells) { pending in
                var cells = CellList(cells: cellsRead, pending: pending)
                cellsRead = []
                defer {
                    cells.flush()
                    cellsRead = cells.cells
                }
                return read(bytes, cells: &cells, records: &records, limit: limit)
            }
        }
        batch.bytes = bytes
        batch.cells = cellsRead
        batch.records = records
        return stop
    }

    private static let pendingCells = 4_096

    /// The batch's cells, with the newest in a fixed buffer of plain stores, moved to the array a
    /// few thousand at a time: appending to an array cell by cell costs more than finding them.
    private struct CellList {
        var cells: [UInt64]
        let pending: UnsafeMutableBufferPointer<UInt64>
        var pendingCount = 0

        var count: Int { cells.count + pendingCount }

        @inline(__always)
        mutating func append(_ cell: UInt64) {
            if pendingCount == pending.count { flush() }
            pending[pendingCount] = cell
            pendingCount += 1
        }

        mutating func flush() {
            cells.append(contentsOf: UnsafeBufferPointer(rebasing: pending[..<pendingCount]))
            pendingCount = 0
        }

        /// Drops the cells from `index` on.
        mutating func removeFrom(_ index: Int) {
            if index >= cells.count {
                pendingCount = index - cells.count
            } else {
                pendingCount = 0
                cells.removeSubrange(index...)
            }
        }
    }

    /// Whether a byte ends an unquoted cell. All four such bytes are at most a comma, so most
    /// bytes of a cell take one comparison.
    @inline(__always)
    private static func endsUnquotedCell(_ byte: UInt8) -> Bool {
        byte <= comma && (byte == comma || byte == quote || byte == lineFeed || byte == carriageReturn)
    }

    /// Where the unquoted text from `start` stops: at the first byte that ends a cell, or `end`.
    /// Eight bytes at a time: a byte below 0x2D sets its high bit in `candidates` (only a byte
    /// after the first such byte can be flagged wrongly, and only the first is used).
    @inline(__always)
    private static func endOfUnquotedText(_ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var j = start
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while j &+ 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt64.self))
            let candidates = (word &- 0x2D2D_2D2D_2D2D_2D2D) & ~word & 0x8080_8080_8080_8080
            if candidates == 0 {
                j &+= 8
                continue
            }
            let k = j &+ (candidates.trailingZeroBitCount >> 3)
            if endsUnquotedCell(bytes[k]) { return k }
            j = k &+ 1
        }
        while j < end && !endsUnquotedCell(bytes[j]) { j &+= 1 }
        return j
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private mutating func read(
        _ bytes: UnsafeMutableBufferPointer<UInt8>, cells: inout CellList, records: inout [RecordBatch.Record], limit: Int
    ) -> Int {
        let end = bytes.count
        var i = cursor
        var state = self.state
        var write = self.write
        defer {
            cursor = i
            self.state = state
            self.write = write
        }
        @inline(__always) func keep(_ lower: Int, _ upper: Int) {
            if write != lower && !overflowing {
                _ = memmove(bytes.baseAddress! + write, bytes.baseAddress! + lower, upper - lower)
            }
            write += upper - lower
        }
        @inline(__always) func endCell() {
            recordCellCount += 1
            if recordCellCount <= Self.maximumCells && !overflowing {
                cells.append(UInt64(truncatingIfNeeded: cellStart) << 32 | UInt64(truncatingIfNeeded: min(write, end)))
            } else {
                recordFlags.insert(.truncated)
            }
        }
        /// Completes the record; false for a blank line, or a line of commas only as spreadsheets
        /// write below the data, which is dropped without a number.
        @inline(__always) func endRecord() -> Bool {
            state = .recordStart
            guard recordHasContent else {
                cells.removeFrom(recordFirstCell)
                return false
            }
            records.append(RecordBatch.Record(
                number: nextRecordNumber, line: recordLine, byteOffset: recordOffset,
                firstCell: recordFirstCell, cellCount: recordCellCount, flags: recordFlags))
            nextRecordNumber += 1
            return true
        }
        while i < end {
            let byte = bytes[i]
            if afterCarriageReturn && state != .quoted {
                afterCarriageReturn = false
                if byte == Self.lineFeed {
                    i += 1
                    continue
                }
            }
            switch state {
            case .recordStart:
                beginRecord(at: i, firstCell: cells.count)
                state = .cellStart
            case .cellStart:
                if byte == Self.quote {
                    recordHasContent = true
                    i += 1
                    state = .quoted
                } else {
                    state = .unquoted
                }
                cellStart = i
                write = i
            case .unquoted:
                let j = Self.endOfUnquotedText(bytes, from: i, to: end)
                if j > i {
                    recordHasContent = true
                    keep(i, j)
                    i = j
                }
                guard i < end else { break }
                let b = bytes[i]
                i += 1
                if b == Self.comma {
                    endCell()
                    // The common case, another unquoted cell, goes on without the dispatch.
                    if i < end && bytes[i] != Self.quote {
                        cellStart = i
                        write = i
                    } else {
                        state = .cellStart
                    }
                } else if b == Self.quote {
                    recordFlags.insert(.strayQuote)
                    keep(i - 1, i)
                } else {
                    endCell()
                    lineBreak(b)
                    if endRecord(), records.count >= limit { return i }
                }
            case .quoted:
                var j = i
                while j < end {
                    let b = bytes[j]
                    if b == Self.quote { break }
                    if b == Self.lineFeed {
                        if !afterCarriageReturn { line += 1 }
                        afterCarriageReturn = false
                    } else if b == Self.carriageReturn {
                        line += 1
                        afterCarriageReturn = true
                    } else {
                        afterCarriageReturn = false
                    }
                    j &+= 1
                }
                if j > i { keep(i, j) }
                i = j
                if i < end {
                    afterCarriageReturn = false
                    state = .quoteInQuoted
                    i += 1
                }
            case .quoteInQuoted:
                if byte == Self.quote {
                    // A doubled quote: one quote of content.
                    keep(i - 1, i)
                    i += 1
                    state = .quoted
                } else if byte == Self.comma {
                    i += 1
                    endCell()
                    state = .cellStart
                } else if byte == Self.lineFeed || byte == Self.carriageReturn {
                    i += 1
                    endCell()
                    lineBreak(byte)
                    if endRecord(), records.count >= limit { return i }
                } else {
                    // Text after a closing quote: the quote was content.
                    recordFlags.insert(.strayQuote)
                    keep(i - 1, i)
                    state = .unquoted
                }
            }
        }
        if state != .recordStart && i - recordStart > Self.maximumRecordBytes && !overflowing {
            overflowing = true
            recordFlags.insert(.truncated)
        }
        return end
    }

    private mutating func lineBreak(_ byte: UInt8) {
        line += 1
        afterCarriageReturn = byte == Self.carriageReturn
    }

    private mutating func beginRecord(at index: Int, firstCell: Int) {
        recordFirstCell = firstCell
        recordLine = line
        recordOffset = base + index
        recordStart = index
        recordCellCount = 0
        recordFlags = []
        recordHasContent = false
        overflowing = false
    }

    /// Completes the last cell and record, at the end of the input.
    private mutating func endLastRecord(in batch: inout RecordBatch) {
        recordCellCount += 1
        if recordCellCount <= Self.maximumCells && !overflowing {
            batch.cells.append(UInt64(truncatingIfNeeded: cellStart) << 32 | UInt64(truncatingIfNeeded: min(write, batch.bytes.count)))
        } else {
            recordFlags.insert(.truncated)
        }
        state = .recordStart
        guard recordHasContent else {
            batch.cells.removeSubrange(recordFirstCell...)
            return
        }
        batch.records.append(RecordBatch.Record(
            number: nextRecordNumber, line: recordLine, byteOffset: recordOffset,
            firstCell: recordFirstCell, cellCount: recordCellCount, flags: recordFlags))
        nextRecordNumber += 1
    }
}

extension CSVTokenizer {
    /// Reads a whole source, handing its records over in batches of `size` (`BatchReader`, as
    /// the scanner reads a file): for a file read back from the start, such as a stored
    /// exceptions report.
    public static func forEachBatch(of source: some ByteSource, size: Int = 8_192, _ body: (RecordBatch) throws -> Void) throws {
        var reader = BatchReader(source: source, batchSize: size)
        while let batch = try reader.next() { try body(batch) }
    }

    /// The record that starts at `offset` of `source`, read alone; nil past the end.
    public static func record(at offset: Int, in source: some ByteSource) throws -> RecordBatch? {
        var tokenizer = CSVTokenizer(startingAt: offset)
        var batch = RecordBatch()
        var buffer = [UInt8](repeating: 0, count: 1 << 14)
        var position = offset
        while batch.isEmpty {
            let count = try buffer.withUnsafeMutableBytes { try source.read(at: position, into: $0) }
            if count == 0 {
                tokenizer.finish(into: &batch)
                break
            }
            position += count
            _ = buffer.withUnsafeBufferPointer { tokenizer.consume(UnsafeBufferPointer(rebasing: $0[..<count]), into: &batch, limit: 1) }
        }
        return batch.isEmpty ? nil : batch
    }

    /// Reads a whole buffer at once, for small inputs such as the specification itself.
    public static func records(in bytes: some Collection<UInt8>, chunkSize: Int = 1 << 20) -> RecordBatch {
        var tokenizer = CSVTokenizer()
        var batch = RecordBatch()
        let all = Array(bytes)
        all.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(start + max(chunkSize, 1), buffer.count)
                _ = tokenizer.consume(UnsafeBufferPointer(rebasing: buffer[start..<end]), into: &batch)
                start = end
            }
        }
        tokenizer.finish(into: &batch)
        return batch
    }
}
