import Foundation

/// What a scan decided for each record, in file order: the components its errors block, and
/// whether any of it will import. Kept beside a dry run, it lets an approval of a file scanned
/// against the very same ledger read the records without checking every cell again (see
/// `Scanner.records(of:outcomes:observer:progress:)`). Two bytes a record.
public struct RecordOutcomes: Sendable, Equatable {
    private(set) var bytes: [UInt8] = []

    public init() {}

    public init(data: Data) throws {
        guard data.count % 2 == 0 else { throw Malformed() }
        bytes = Array(data)
    }

    public var data: Data { Data(bytes) }
    public var count: Int { bytes.count / 2 }

    public mutating func append(blocked: Components, isReady: Bool) {
        bytes.append(blocked.rawValue)
        bytes.append(isReady ? 1 : 0)
    }

    /// The outcome of the `index`th record (from 0); nil past the end.
    public func outcome(at index: Int) -> (blocked: Components, isReady: Bool)? {
        guard index >= 0, index < count else { return nil }
        return (Components(rawValue: bytes[2 * index]), bytes[2 * index + 1] != 0)
    }

    /// Kept outcomes that do not fit the file they are applied to.
    public struct Malformed: Error, CustomStringConvertible {
        public var description: String { "The kept outcomes of the dry run do not fit its file; scan it again." }
    }
}

extension RecordOutcomes: ScanObserver {
    public mutating func scanner(found exception: ScanException) throws {}
    public mutating func scanner(readHeader header: Header) throws {}
    public mutating func scanner(scanned record: ScannedRecord) throws { append(blocked: record.blocked, isReady: record.isReady) }
}
