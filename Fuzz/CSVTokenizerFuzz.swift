// libFuzzer target for the CSV reader, built by `Scripts/fuzz` together with the reader's own
// source files (one module), never by SwiftPM. Each input is read whole, in pieces of several
// sizes, through `BatchReader` with small reads and batches, and record by record from each
// record's offset; every way must find the same records. A difference traps, so libFuzzer
// keeps the input as a crash.

/// What a reading found: per record its number, line, offset, flags and cells.
struct Reading: Equatable {
    struct Record: Equatable {
        var number: Int, line: Int, byteOffset: Int
        var flags: RecordBatch.Flags
        var cellCount: Int
        var cells: [[UInt8]]
    }
    var records: [Record] = []
    var hadByteOrderMark = false

    mutating func append(_ batch: RecordBatch) {
        for index in 0..<batch.count {
            let record = batch.records[index]
            records.append(Record(
                number: record.number, line: record.line, byteOffset: record.byteOffset, flags: record.flags,
                cellCount: record.cellCount, cells: batch.cells(ofRecordAt: index).map(Array.init)))
        }
    }
}

/// The input fed to one tokenizer in pieces of `size` bytes.
func read(_ input: UnsafeBufferPointer<UInt8>, pieces size: Int) -> Reading {
    var tokenizer = CSVTokenizer()
    var batch = RecordBatch()
    var start = 0
    while start < input.count {
        let end = min(start + size, input.count)
        let taken = tokenizer.consume(UnsafeBufferPointer(rebasing: input[start..<end]), into: &batch)
        guard taken == end - start else { fatalError("consume took \(taken) of \(end - start) bytes with no limit") }
        start = end
    }
    tokenizer.finish(into: &batch)
    var reading = Reading()
    reading.append(batch)
    reading.hadByteOrderMark = tokenizer.hadByteOrderMark
    return reading
}

/// The input read as the scanner reads a file: `BatchReader`, here with tiny reads and batches.
func readInBatches(_ bytes: [UInt8], batchSize: Int, readSize: Int) -> Reading {
    var reader = BatchReader(source: MemoryByteSource(bytes), batchSize: batchSize, readSize: readSize)
    var reading = Reading()
    var batches = 0
    while let batch = try! reader.next() {
        guard batch.count <= batchSize else { fatalError("a batch of \(batch.count) records, limit \(batchSize)") }
        reading.append(batch)
        batches += 1
        guard batches <= bytes.count + 2 else { fatalError("more batches than bytes") }
    }
    return reading
}

func check(_ reading: Reading, _ whole: Reading, _ how: String) {
    guard reading.records == whole.records else {
        fatalError("\(how): \(reading.records.count) records, whole \(whole.records.count): \(reading.records.prefix(4)) vs \(whole.records.prefix(4))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
    let bytes = Array(input)
    let whole = read(input, pieces: max(size, 1))
    // Records count from 0 (the header), in order, on rising lines and offsets.
    for (index, record) in whole.records.enumerated() {
        guard record.number == index else { fatalError("record \(index) numbered \(record.number)") }
        guard record.cells.count <= record.cellCount, record.cellCount >= 1 else { fatalError("cells of record \(index)") }
    }
    for (a, b) in zip(whole.records, whole.records.dropFirst()) where !(a.line < b.line && a.byteOffset < b.byteOffset) {
        fatalError("records out of order: \(a) then \(b)")
    }
    // Byte by byte only for short inputs: a call per byte is what makes a run slow, and what a
    // long input could find that way a short one finds too.
    let derived = 1 + Int(bytes.first ?? 0) % 13
    let short = size <= 512
    let allPieces = short ? [1, 2, 3, 7, 64, derived] : [7, 64, 4_096, 13 + derived]
    for pieces in Set(allPieces) where pieces < size {
        let reading = read(input, pieces: pieces)
        check(reading, whole, "pieces of \(pieces)")
        guard reading.hadByteOrderMark == whole.hadByteOrderMark else { fatalError("pieces of \(pieces): byte-order mark") }
    }
    let batchesAndReads = short ? [(1, 1), (1, 5), (2, 3), (3, derived), (512, 7)] : [(1, 7), (2, 61), (3, 13 + derived), (512, 4_096)]
    for (batchSize, readSize) in batchesAndReads {
        check(readInBatches(bytes, batchSize: batchSize, readSize: readSize), whole, "batches of \(batchSize), reads of \(readSize)")
    }
    // A record read alone from its offset (the fix file does so) has the same cells and flags.
    // Every record of a short file, one in eight of a long one: each reads to the input's end.
    for record in whole.records where whole.records.count <= 64 || record.number % 8 == 0 {
        guard let alone = try! CSVTokenizer.record(at: record.byteOffset, in: MemoryByteSource(bytes)) else {
            fatalError("no record at offset \(record.byteOffset)")
        }
        var reading = Reading()
        reading.append(alone)
        let first = reading.records[0]
        guard first.cells == record.cells, first.flags == record.flags, first.cellCount == record.cellCount,
              first.byteOffset == record.byteOffset else {
            fatalError("record \(record.number) read alone at \(record.byteOffset): \(first) vs \(record)")
        }
    }
    return 0
}
