extension CSVTokenizer {
    /// How many bytes a file is read in at a time. Each batch takes in the rest of the read it
    /// ends in, so this is kept small: part of the scan's memory bound (decision 0032).
    static let readSize = 1 << 16
}

/// Feeds a source through the tokenizer a buffer at a time and hands out whole batches.
struct BatchReader<Source: ByteSource>: Sendable {
    let source: Source
    let batchSize: Int
    private var buffer: [UInt8]
    private var tokenizer = CSVTokenizer()
    private var pending: Range<Int> = 0..<0
    private(set) var bytesRead = 0
    private var finished = false

    /// `readSize` is how many bytes it asks the source for at a time (smaller only in tests).
    init(source: Source, batchSize: Int, readSize: Int = CSVTokenizer.readSize) {
        self.source = source
        self.batchSize = batchSize
        buffer = [UInt8](repeating: 0, count: readSize)
    }

    mutating func next() throws -> RecordBatch? {
        guard !finished else { return nil }
        // The buffer as a local while the tokenizer, another property, changes.
        var buffer = self.buffer
        self.buffer = []
        defer { self.buffer = buffer }
        var batch = RecordBatch()
        batch.bytes.reserveCapacity(batchSize * 512 + buffer.count)
        batch.cells.reserveCapacity(batchSize * 100)
        batch.records.reserveCapacity(batchSize)
        while batch.count < batchSize {
            if pending.isEmpty {
                let (source, offset) = (self.source, bytesRead)
                let count = try buffer.withUnsafeMutableBytes { try source.read(at: offset, into: $0) }
                if count == 0 {
                    tokenizer.finish(into: &batch)
                    finished = true
                    break
                }
                bytesRead += count
                pending = 0..<count
            }
            let consumed = buffer.withUnsafeBufferPointer {
                tokenizer.consume(UnsafeBufferPointer(rebasing: $0[pending]), into: &batch, limit: batchSize)
            }
            pending = (pending.lowerBound + consumed)..<pending.upperBound
        }
        return batch.isEmpty && finished ? nil : batch
    }
}
