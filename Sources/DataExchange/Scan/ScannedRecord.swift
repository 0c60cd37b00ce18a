/// A record as the scan leaves it: where it is, its cells, its exceptions, and what will import.
public struct ScannedRecord: Sendable {
    let batch: RecordBatch
    let index: Int
    public let header: Header
    public let encoding: TextEncoding
    /// This record's exceptions, in the order found.
    public let exceptions: ArraySlice<ScanException>
    /// The components that errors block; `.all` when the record cannot import at all.
    public let blocked: Components
    /// At least one of the record's components will import.
    public let isReady: Bool

    public var number: Int { batch.records[index].number }
    public var line: Int { batch.records[index].line }
    public var byteOffset: Int { batch.records[index].byteOffset }
    public var hasErrors: Bool { exceptions.contains { $0.severity == .error } }

    /// The record's cells as text, as many as it has.
    public var cells: [String] { batch.cells(ofRecordAt: index).map(encoding.string) }

    /// The value of a column of the specification by its current name; nil when the file has no
    /// such column, "" when the cell is blank.
    public func value(_ column: String) -> String? {
        guard let cell = header.cell(ofColumn: column), let range = batch.cellRange(record: index, cell: cell) else { return nil }
        return encoding.string(batch.bytes[range])
    }

    /// The bytes of a cell by its index in the header (none when the record is short of it), as
    /// the file holds them: UTF-8 when `encoding` is.
    public func withBytes<Result>(inCell cell: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        guard let range = batch.cellRange(record: index, cell: cell) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try batch.bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The record's cells, for a caller that reads many of their bytes (an approval hashes every
    /// cell of every record): one call into this module for the record, not one per cell.
    public func withCells<Result>(_ body: (RecordCells) throws -> Result) rethrows -> Result {
        let first = batch.records[index].firstCell
        let kept = batch.keptCellCount(record: index)
        return try batch.bytes.withUnsafeBufferPointer { bytes in
            try batch.cells.withUnsafeBufferPointer { cells in try body(RecordCells(bytes: bytes, cells: cells, first: first, count: kept)) }
        }
    }

    /// The text of a cell by its index in the header ("" when the record is short of it), for
    /// callers that resolved their columns once per file.
    public func value(inCell cell: Int) -> String {
        batch.cellRange(record: index, cell: cell).map { encoding.string(batch.bytes[$0]) } ?? ""
    }
}

/// Receives what a scan finds, in file order: the file-level exceptions, then each record.
public protocol ScanObserver {
    mutating func scanner(found exception: ScanException) throws
    mutating func scanner(readHeader header: Header) throws
    mutating func scanner(scanned record: ScannedRecord) throws
}

extension ScanObserver {
    public mutating func scanner(found exception: ScanException) throws {}
    public mutating func scanner(readHeader header: Header) throws {}
    public mutating func scanner(scanned record: ScannedRecord) throws {}
}

/// Observes nothing: for a scan that only counts.
public struct NoObserver: ScanObserver {
    public init() {}
}
