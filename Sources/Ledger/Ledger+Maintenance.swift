import DataExchange
import Foundation

extension Ledger {
    /// What the projections hold, as a number. A ledger whose projections an older build made is
    /// replayed once when it is opened, so that what a new build keeps reaches the ledgers made
    /// before it. 2: the history index keeps agreements' links to accounts and endpoints' to meters.
    /// 3: and the registers placed at each service point and taken from it.
    static let projectionsVersion = 3

    /// Replays the log when the projections are older than this build's (`projectionsVersion`).
    func rebuildOutdatedProjections(progress: ((Int64, Int64) -> Void)?) throws {
        guard try storage.projectionsVersion() < Self.projectionsVersion else { return }
        // Another process may have rebuilt them since.
        _ = try storage.rebuildingProjections(version: Self.projectionsVersion, onlyWhenOlder: true) { rebuild in
            try rebuildProjections(in: rebuild, progress: progress)
        }
    }

    /// Rebuilds every projection from the first event, in one transaction; returns the number of
    /// events replayed. The rebuilt projections equal those kept incrementally.
    @discardableResult
    public func replay(progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try replay(holding: Self.entitiesAReplayHolds, progress: progress)
    }

    /// A replay that writes what it folded every `entities` entities (for the tests: a few).
    @discardableResult
    func replay(holding entities: Int, progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try storage.rebuildingProjections(version: Self.projectionsVersion, onlyWhenOlder: false) { rebuild in
            try rebuildProjections(in: rebuild, holding: entities, progress: progress)
        } ?? 0
    }

    /// How many entities a replay folds in memory before it writes them: one utility's ledger (a
    /// million entities, 0.5 KB each in the fold) is folded whole, as an approval would; a ledger
    /// of 18 million took 11.7 GB that way.
    static let entitiesAReplayHolds = 2_000_000

    @discardableResult
    private func rebuildProjections(in rebuild: any ProjectionRebuild, holding limit: Int = entitiesAReplayHolds, progress: ((Int64, Int64) -> Void)?) throws -> Int64 {
        let total = try rebuild.eventCount()
        progress?(0, total)
        // Changes are folded in memory and their rows written once, in key order, at the end,
        // as an approval does; the few other events go through the projections one by one.
        var fold = StateFold()
        var history = HistoryProjection.Batch()
        // Past `limit` entities, what is folded is written, and the fold starts again from what
        // the state table then holds (`StateFold.bringIn`), as an approval starts from it.
        var written = false
        func write() throws {
            history.add(from: fold)
            try rebuild.write(history)
            try fold.write(to: rebuild)
            (fold, history, written) = (StateFold(), HistoryProjection.Batch(), true)
        }
        var others: [Int64] = []
        let count = try forEachAppliedRecord(in: rebuild, others: { others.append($0) }, progress: { progress?($0, total) }) { record in
            for change in record.changes {
                if written { try fold.bringIn(change, from: rebuild) }
                fold.apply(change, at: record.position)
            }
            history.add(record)
            if fold.entityCount >= limit { try write() }
        }
        // The few other events (uploads, scans, approvals, users) go through the projections.
        for position in others {
            guard let event = try rebuild.event(at: position) else { continue }
            try rebuild.project(event)
        }
        try write()
        progress?(count, total)
        return count
    }

    /// Each `RecordApplied` of the log from `first` up to `last` (all of them when nil), in order, read
    /// straight from its JSON (`AppliedRecord(json:)`) on another core a batch ahead of `body`;
    /// an event that reader does not take is read the general way. `others` is told the position
    /// of every other event, and `progress` how many events were read, every 10,000. Returns how
    /// many events were read.
    @discardableResult
    func forEachAppliedRecord(
        in log: any LogRows, from first: Int64 = 1, through last: Int64? = nil, others: (Int64) -> Void = { _ in }, progress: (Int64) -> Void = { _ in },
        _ body: (AppliedRecord) throws -> Void
    ) throws -> Int64 {
        func apply(_ batch: ReplayBatch) throws {
            for (index, applied) in batch.applied.enumerated() {
                if let applied {
                    try body(applied)
                } else if let decoded = try coder.decode(
                    type: RecordApplied.type, schemaVersion: batch.schemaVersions[index], data: batch.data(index), position: batch.positions[index],
                    as: RecordApplied.self) {
                    try body(AppliedRecord(decoded, at: batch.positions[index]))
                }
            }
        }
        var count: Int64 = 0
        // Each batch is read with the field names the batches before it met.
        var stages = Stages<ReplayBatch, ReplayBatch, FieldNameCache>(from: FieldNameCache())
        var batch = ReplayBatch()
        try log.forEachEvent(from: first, through: last) { position, type, schemaVersion, data in
            if type.elementsEqual(RecordApplied.type.utf8) {
                batch.append(position: position, schemaVersion: schemaVersion, data: data)
                if batch.positions.count == ReplayBatch.size {
                    if let done = stages.submit(batch, prepare: { $0.parsed(names: $1) }) { try apply(done.prepared) }
                    batch = ReplayBatch()
                }
            } else {
                others(position)
            }
            count += 1
            if count % 10_000 == 0 { progress(count) }
        }
        if let done = stages.submit(batch, prepare: { $0.parsed(names: $1) }) { try apply(done.prepared) }
        if let done = stages.finish() { try apply(done.prepared) }
        return count
    }

    /// The projections' rows, in a stable order: to compare a rebuilt ledger with a kept one.
    public func projectionDump() throws -> [String] { try storage.projectionRows() }

    /// Gives a PostgreSQL role what `ledger serve` needs, and on the log and the stored files only
    /// SELECT and INSERT: servers that connect as it cannot alter the past.
    public func grantServerAccess(to role: String) throws { try storage.grantServerAccess(to: role) }

    /// The position of the last event; 0 for an empty log.
    public func lastPosition() throws -> Int64 { try storage.lastPosition() }

    /// Recomputes the hash chain from the first event and checks the database's guards of the log;
    /// throws `LedgerError.tampered` naming the first position that does not match. Returns the
    /// number of events checked.
    @discardableResult
    public func verify(progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil) throws -> Int64 {
        let total = try storage.lastPosition()
        var previous = HashChain.genesis
        var expected: Int64 = 1
        try storage.forEachLoggedEvent { event in
            guard event.position == expected else {
                throw LedgerError(.tampered, "The log jumps from position \(expected - 1) to \(event.position): events were removed or inserted.")
            }
            guard event.isLinked(after: previous) else {
                throw LedgerError(.tampered, "The event at position \(event.position) does not match its hash: it was altered after it was recorded.")
            }
            previous = event.hash
            expected += 1
            if event.position % 10_000 == 0 { progress?(event.position, total) }
        }
        progress?(expected - 1, total)
        if let missing = try storage.missingLogGuards().first {
            throw LedgerError(.tampered, "The trigger \(missing) that keeps the log append-only is gone: the database was altered behind the ledger's back.")
        }
        return expected - 1
    }

    /// What a backup is doing, for a progress bar: copying the database's pages, then verifying
    /// the copy's events.
    public enum BackupStep: Sendable { case copying, verifying }

    /// A consistent copy of the live ledger at `path`: the database by SQLite's online backup,
    /// then the stored files it refers to (never altered, and stored before any event names
    /// them, so a copy taken after the database has them all). The copy is verified.
    public func backup(to path: String, progress: ((_ step: BackupStep, _ done: Int, _ total: Int) -> Void)? = nil) throws -> Int64 {
        try storage.backUpDatabase(to: path) { done, total in progress?(.copying, done, total) }
        let target = try BlobStore(besideDatabase: path)
        let fileManager = FileManager.default
        for folder in try fileManager.contentsOfDirectory(atPath: blobs.folder.path) where folder != "incoming" {
            let source = blobs.folder.appendingPathComponent(folder)
            let destination = target.folder.appendingPathComponent(folder)
            try? fileManager.createDirectory(at: destination, withIntermediateDirectories: true)
            for name in try fileManager.contentsOfDirectory(atPath: source.path)
            where !fileManager.fileExists(atPath: destination.appendingPathComponent(name).path) {
                try fileManager.copyItem(at: source.appendingPathComponent(name), to: destination.appendingPathComponent(name))
            }
        }
        let copy = try Ledger(path: path)
        for entry in try copy.activity(limit: .max) {
            try copy.blobs.check(BlobReference(sha256: entry.sha256, size: entry.size))
        }
        return try copy.verify { done, total in progress?(.verifying, Int(done), Int(total)) }
    }
}

extension Ledger {
    /// What a move of a ledger to another database copied, and what each side then holds.
    public struct MigrationReport: Sendable, Codable {
        public var events: Int64
        public var files: Int
        public var source: Counts
        public var target: Counts

        public struct Counts: Sendable, Codable, Equatable {
            public var events: Int64
            public var imports: Int
            public var users: Int
            public var entities: [String: Int]
        }
    }

    /// What a migration is doing, for a progress bar.
    public enum MigrationStep: Sendable { case files, events, verifying, rebuilding }

    /// Copies this ledger, whole, into `target`, which must be empty: the stored files first
    /// (an event names a file only once it is stored), then the log in one transaction, exactly
    /// as it is (positions, times and hashes kept); then checks the copy's chain from the first
    /// event, rebuilds its projections from its log, and copies the password hashes and the
    /// webhooks' secrets kept beside it.
    public func migrate(to target: Ledger, progress: ((_ step: MigrationStep, _ done: Int64, _ total: Int64) -> Void)? = nil) throws -> MigrationReport {
        guard try target.lastPosition() == 0 else {
            throw LedgerError(.invalidState, "\(target.location.shownName) holds a ledger already (\(try target.lastPosition()) events); migrate into an empty database.")
        }
        let files = try blobs.storedFiles()
        for (index, file) in files.enumerated() {
            try blobs.check(file)
            _ = try target.blobs.store(fileAt: try blobs.file(of: file))
            progress?(.files, Int64(index + 1), Int64(files.count))
        }
        let total = try lastPosition()
        var copied: Int64 = 0
        _ = try target.storage.copyLog { write in
            try storage.forEachLoggedEvent { event in
                try write(event)
                copied += 1
                if copied % 10_000 == 0 { progress?(.events, copied, total) }
            }
        }
        progress?(.events, copied, total)
        let verified = try target.verify { done, all in progress?(.verifying, done, all) }
        guard verified == total else {
            throw LedgerError(.tampered, "The copy holds \(verified) events where this ledger has \(total).")
        }
        try target.replay { done, all in progress?(.rebuilding, done, all) }
        // Kept beside the log, never in it: without them nobody could sign in to the copy, and
        // no webhook's delivery could be signed.
        try target.storage.keep(try storage.credentials())
        return MigrationReport(events: copied, files: files.count, source: try counts(), target: try target.counts())
    }

    private func counts() throws -> MigrationReport.Counts {
        MigrationReport.Counts(
            events: try lastPosition(), imports: try storage.activityCount(), users: try storage.users().count,
            entities: Dictionary(uniqueKeysWithValues: try entityCounts().map { ($0.key.rawValue, $0.value) }))
    }
}

/// A run of `RecordApplied` events as a replay reads them from the log, then as their JSON reads
/// (`applied`: nil where the fast reader does not take one, for the general way).
private struct ReplayBatch: Sendable {
    static let size = 2_048
    private(set) var positions: [Int64] = []
    private(set) var schemaVersions: [Int] = []
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private(set) var applied: [AppliedRecord?] = []

    mutating func append(position: Int64, schemaVersion: Int, data: UnsafeBufferPointer<UInt8>) {
        positions.append(position)
        schemaVersions.append(schemaVersion)
        bytes.append(contentsOf: data)
        ends.append(bytes.count)
    }

    private func range(_ index: Int) -> Range<Int> { (index == 0 ? 0 : ends[index - 1])..<ends[index] }

    func data(_ index: Int) -> Data { Data(bytes[range(index)]) }

    /// The batch with its JSON read, and the field names met so far.
    func parsed(names: FieldNameCache) -> (ReplayBatch, FieldNameCache) {
        var (batch, names) = (self, names)
        batch.applied = bytes.withUnsafeBufferPointer { bytes in
            positions.indices.map { index in
                guard schemaVersions[index] == RecordApplied.schemaVersion else { return nil }
                return try? AppliedRecord(json: UnsafeBufferPointer(rebasing: bytes[range(index)]), position: positions[index], names: &names)
            }
        }
        return (batch, names)
    }
}
