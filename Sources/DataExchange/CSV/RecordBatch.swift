/// Records read from a Data Exchange file, held as bytes: the cells of many records in one buffer,
/// so that reading a 70 MB file allocates per batch, never per cell.
public struct RecordBatch: Sendable {
    /// Where one record came from and where its cells are in `bytes`.
    public struct Record: Sendable, Equatable {
        /// Data records count from 1; the header is record 0.
        public var number: Int
        /// The physical line (from 1) on which the record starts.
        public var line: Int
        /// The byte offset in the file at which the record starts.
        public var byteOffset: Int
        var firstCell: Int
        /// How many cells the record had, also when more than were kept.
        public var cellCount: Int
        public var flags: Flags
    }

    /// What the reader noticed about a record's quoting and size.
    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A quote in the middle of an unquoted cell, or text after a closing quote.
        public static let strayQuote = Flags(rawValue: 1 << 0)
        /// The file ended inside a quoted cell.
        public static let unterminatedQuote = Flags(rawValue: 1 << 1)
        /// A cell longer than the reader keeps, or more cells than it keeps; both are already wrong.
        public static let truncated = Flags(rawValue: 1 << 2)
    }

    /// The records' bytes as read, their quoted cells unescaped in place.
    public internal(set) var bytes: [UInt8] = []
    /// For each cell, where it starts (high half) and ends (low half) in `bytes`.
    var cells: [UInt64] = []
    public internal(set) var records: [Record] = []

    public init() {}

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        cells.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
    }

    /// The byte range of cell `cell` of the record at `index`, or nil past its last cell.
    @inline(__always)
    func cellRange(record index: Int, cell: Int) -> Range<Int>? {
        let record = records[index]
        let kept = (index + 1 < records.count ? records[index + 1].firstCell : cells.count) - record.firstCell
        guard cell < kept else { return nil }
        let bounds = cells[record.firstCell + cell]
        return Int(bounds >> 32)..<Int(bounds & 0xFFFF_FFFF)
    }

    /// How many cells of the record at `index` are kept.
    func keptCellCount(record index: Int) -> Int {
        (index + 1 < records.count ? records[index + 1].firstCell : cells.count) - records[index].firstCell
    }

    /// The raw bytes of each kept cell of the record at `index`.
    public func cells(ofRecordAt index: Int) -> [ArraySlice<UInt8>] {
        (0..<keptCellCount(record: index)).map { bytes[cellRange(record: index, cell: $0)!] }
    }
}

extension RecordBatch {
    /// Reads the batch through pointers, for the scanner's hot loops.
    func withView<Result>(_ body: (BatchView) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { bytes in
            try cells.withUnsafeBufferPointer { cells in
                try body(BatchView(bytes: bytes, cells: cells, records: records))
            }
        }
    }
}

/// A batch seen through pointers; valid only inside `RecordBatch.withView`.
struct BatchView {
    let bytes: UnsafeBufferPointer<UInt8>
    let cells: UnsafeBufferPointer<UInt64>
    let records: [RecordBatch.Record]

    func cells(ofRecordAt index: Int) -> RecordCells {
        let first = records[index].firstCell
        let next = index + 1 < records.count ? records[index + 1].firstCell : cells.count
        return RecordCells(bytes: bytes, cells: cells, first: first, count: next - first)
    }
}

/// The cells of one record, through pointers: valid only inside the call that gives them
/// (`RecordBatch.withView`, `ScannedRecord.withCells`).
public struct RecordCells {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline let cells: UnsafeBufferPointer<UInt64>
    @usableFromInline let first: Int
    /// The cells kept for the record.
    @usableFromInline let count: Int

    init(bytes: UnsafeBufferPointer<UInt8>, cells: UnsafeBufferPointer<UInt64>, first: Int, count: Int) {
        self.bytes = bytes
        self.cells = cells
        self.first = first
        self.count = count
    }

    /// The bytes of a cell; empty for a cell the record does not have.
    func start(of cell: Int) -> Int { Int(cells[first + cell] >> 32) }
    func end(of cell: Int) -> Int { Int(cells[first + cell] & 0xFFFF_FFFF) }

    @inlinable
    public subscript(cell: Int) -> UnsafeBufferPointer<UInt8> {
        guard cell < count else { return UnsafeBufferPointer(start: nil, count: 0) }
        let bounds = cells[first + cell]
        let start = Int(bounds >> 32)
        return UnsafeBufferPointer(start: bytes.baseAddress! + start, count: Int(bounds & 0xFFFF_FFFF) - start)
    }

    subscript(optional cell: Int?) -> UnsafeBufferPointer<UInt8> {
        cell.map { self[$0] } ?? UnsafeBufferPointer(start: nil, count: 0)
    }
}

extension RecordCells {
    /// A hash of the record's cells, to tell a repeated record from another. The cells lie one
    /// after another in the batch: their bytes are hashed at once, their places apart, so that
    /// moving a comma changes the digest.
    var digest: UInt64 {
        guard count > 0 else { return 0 }
        let start = start(of: 0)
        var hash = KeyTable.hash(UnsafeBufferPointer(rebasing: bytes[start..<end(of: count - 1)]))
        for cell in 0..<count {
            hash = (hash ^ UInt64(end(of: cell) - start)) &* 0x9E37_79B9_7F4A_7C15
        }
        return hash
    }
}
