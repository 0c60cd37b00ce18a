import Foundation

/// Scans a Data Exchange file as a dry run: reads it once for its encoding and once for its
/// records, checks every rule of the specification, and tells an observer each exception and
/// record in file order. It changes nothing and knows no database: what it needs of the ledger's
/// current state comes through `LedgerState`.
public struct Scanner: Sendable {
    /// The columns of an Accounts and Assets file.
    public var specification: Specification
    /// The columns of an ID Update file, recognised by its `_new` columns.
    public var idUpdateSpecification: Specification?
    public var ledger: any LedgerState
    /// The day the future-date rules measure from.
    public var today: CalendarDate
    /// Records per batch: the unit of reading and checking. Three are in memory at once (one
    /// being read, one handed over, one followed), so they are kept to about 400 KB each.
    public var batchSize = 256
    static let readSize = CSVTokenizer.readSize

    public init(
        specification: Specification, idUpdateSpecification: Specification? = try? .bundled(.idUpdate),
        ledger: any LedgerState = EmptyLedgerState(), today: CalendarDate = .today()
    ) {
        self.specification = specification
        self.idUpdateSpecification = idUpdateSpecification
        self.ledger = ledger
        self.today = today
    }

    /// Scans `source`; `progress` is told the bytes read so far after each batch. It uses two
    /// threads, this one and a worker of its own: call it off the cooperative pool in a server.
    public func scan<Observer: ScanObserver>(
        _ source: some ByteSource, name: String, observer: inout Observer, progress: ((Int) -> Void)? = nil
    ) throws -> ScanSummary {
        let started = ContinuousClock.now
        var summary = ScanSummary(
            file: name, kind: specification.kind, encoding: .utf8, specificationVersion: specification.version, bytes: source.size)
        try scan(source, into: &summary, observer: &observer, progress: progress)
        summary.seconds = (ContinuousClock.now - started).seconds
        return summary
    }

    private func scan<Observer: ScanObserver>(
        _ source: some ByteSource, into summary: inout ScanSummary, observer: inout Observer, progress: ((Int) -> Void)?
    ) throws {
        func report(_ exception: ScanException) throws {
            summary.count(exception)
            try observer.scanner(found: exception)
        }

        if let problem = FileSizeLimit.problem(size: source.size, name: summary.file) {
            try report(ScanException(.fileTooLarge, message: problem))
            return
        }
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        let prefixCount = try buffer.withUnsafeMutableBytes { raw in
            try source.read(at: 0, into: UnsafeMutableRawBufferPointer(rebasing: raw[..<FileSniffer.prefixLength]))
        }
        if let problem = FileSniffer.problem(prefix: Array(buffer[..<prefixCount]), size: source.size) {
            try report(problem)
            return
        }
        summary.encoding = try Self.encoding(of: source, buffer: &buffer)
        if summary.encoding == .windows1252 {
            try report(ScanException(
                .windows1252,
                message: "The file is not UTF-8; it was read as Windows-1252, as spreadsheets save CSV. Check that names with accents look right, or save the file as \"CSV UTF-8\"."))
        }
        let context = ScanContext(encoding: summary.encoding, today: today)

        var reader = BatchReader(source: source, batchSize: batchSize)
        guard let batch = try reader.next(), !batch.isEmpty else {
            try report(ScanException(.emptyFile, message: "The file has no header and no records. Export the Data Exchange file from the CIS again."))
            return
        }
        let headerNames = batch.cells(ofRecordAt: 0).map(summary.encoding.string)
        let specification = specification(for: headerNames)
        summary.kind = specification.kind
        summary.specificationVersion = specification.version
        let (header, headerExceptions) = Header.resolve(headerNames, specification: specification)
        let missingKeys = specification.requiredKeyColumns.filter { header.cellOfColumn[$0] == nil }
        let (pairs, pairExceptions) = specification.kind == .idUpdate ? RenameTracker.pairs(of: header) : ([], [])
        if !missingKeys.isEmpty, let delimiter = Header.foreignDelimiter(headerNames, specification: specification) {
            try report(ScanException(
                .wrongDelimiter,
                message: "The header is separated by \(delimiter), not commas. Save the file as \"CSV UTF-8 (comma delimited)\" and drop it again."))
        } else {
            for exception in headerExceptions + pairExceptions { try report(exception) }
            for column in missingKeys {
                let name = specification.columns[column].name
                try report(ScanException(
                    .missingKeyColumn, column: name,
                    message: "The header has no \(name) column; every \(specification.kind.title) file needs it. Add the column, named exactly \(name)."))
            }
        }
        try observer.scanner(readHeader: header)
        guard summary.isImportable else {
            // Nothing can import, but the person still learns how many records the file has.
            summary.records = batch.count - 1
            while let next = try reader.next() { summary.records += next.count }
            return
        }

        // Two threads, a batch or two apart: a worker reads and checks the cells of the next
        // batches while this thread follows the records in file order and tells the observer.
        let checker = RecordChecker(header: header, context: context)
        let worker = ScanWorker.start(reader: reader, first: batch, checker: checker)
        defer { worker.stop() }
        // Data Exchange records run 400 to 450 bytes: size the tables once for about that many.
        var tracker: any RecordTracker = switch specification.kind {
        case .accountsAndAssets:
            ConfigurationTracker(checker: checker, ledger: ledger, expectedRecords: source.size / 400) { offset in
                (try? CSVTokenizer.record(at: offset, in: source)).map { batch in batch.cells(ofRecordAt: 0).map(Array.init) }
            }
        case .idUpdate:
            RenameTracker(checker: checker, ledger: ledger, pairs: pairs)
        }
        var exceptions: [ScanException] = []
        while case .batch(let batch, let first, let checked, var results, let bytesRead) = worker.next() {
            if checked < batch.count { results.append(checker.check(batch, checked..<batch.count)) }
            try batch.withView { view in
                for index in first..<batch.count {
                    exceptions.removeAll(keepingCapacity: true)
                    exceptions.append(contentsOf: results.of(index - first))
                    tracker.track(view, at: index, digest: results.digests[index - first], exceptions: &exceptions, from: 0)
                    let (blocked, ready) = tracker.outcome(of: view, at: index, exceptions: exceptions)
                    for exception in exceptions { summary.count(exception) }
                    summary.records += 1
                    if ready { summary.ready += 1 }
                    if !blocked.isEmpty { summary.recordsWithErrors += 1 }
                    try observer.scanner(scanned: ScannedRecord(
                        batch: batch, index: index, header: header, encoding: context.encoding, exceptions: exceptions[...],
                        blocked: blocked, isReady: ready))
                }
            }
            progress?(bytesRead)
        }
        if let failure = worker.failure { throw failure }
        if summary.records == 0 {
            try report(ScanException(.noRecords, message: "The file has a header but no records: there is nothing to import."))
        }
    }

    /// The records of a file as an earlier scan of it left them: read and told to the observer in
    /// file order with the outcomes that scan kept, but not checked again, so no exceptions. For
    /// an approval of a file scanned against the very same ledger. Returns how many records.
    public func records<Observer: ScanObserver>(
        of source: some ByteSource, outcomes: RecordOutcomes, observer: inout Observer, progress: ((Int) -> Void)? = nil
    ) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        let encoding = try Self.encoding(of: source, buffer: &buffer)
        var reader = BatchReader(source: source, batchSize: batchSize)
        guard let first = try reader.next(), !first.isEmpty else { throw RecordOutcomes.Malformed() }
        let headerNames = first.cells(ofRecordAt: 0).map(encoding.string)
        let (header, _) = Header.resolve(headerNames, specification: specification(for: headerNames))
        try observer.scanner(readHeader: header)
        // The next batch is read on the other core while the observer takes this one's records.
        let worker = ScanWorker.start(reader: reader, first: first, checker: nil)
        defer { worker.stop() }
        var count = 0
        while case .batch(let batch, let start, _, _, let bytesRead) = worker.next() {
            for index in start..<batch.count {
                guard let outcome = outcomes.outcome(at: count) else { throw RecordOutcomes.Malformed() }
                try observer.scanner(scanned: ScannedRecord(
                    batch: batch, index: index, header: header, encoding: encoding, exceptions: [],
                    blocked: outcome.blocked, isReady: outcome.isReady))
                count += 1
            }
            progress?(bytesRead)
        }
        if let failure = worker.failure { throw failure }
        guard count == outcomes.count else { throw RecordOutcomes.Malformed() }
        return count
    }

    /// The kind of file `source` is, from its header alone; Accounts and Assets when it has none.
    public func kind(of source: some ByteSource) throws -> FileKind {
        var reader = BatchReader(source: source, batchSize: 1)
        guard let header = try reader.next(), !header.isEmpty else { return specification.kind }
        return specification(for: header.cells(ofRecordAt: 0).map { String(decoding: $0, as: UTF8.self) }).kind
    }

    /// The specification of the file a header begins: an ID Update file has `_new` columns.
    func specification(for header: [String]) -> Specification {
        guard let idUpdate = idUpdateSpecification,
            header.contains(where: { $0.trimmingSpaces().hasSuffix("_new") && idUpdate.match($0.trimmingSpaces()) != nil })
        else { return specification }
        return idUpdate
    }

    /// UTF-8 when the whole file is valid UTF-8, otherwise Windows-1252 (spec rule 12).
    static func encoding(of source: some ByteSource, buffer: inout [UInt8]) throws -> TextEncoding {
        var validator = UTF8Validator()
        var offset = 0
        while validator.isValid {
            let count = try buffer.withUnsafeMutableBytes { raw in try source.read(at: offset, into: raw) }
            if count == 0 { break }
            buffer.withUnsafeBufferPointer { validator.consume(UnsafeBufferPointer(rebasing: $0[..<count])) }
            offset += count
        }
        validator.finish()
        return validator.isValid ? .utf8 : .windows1252
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
