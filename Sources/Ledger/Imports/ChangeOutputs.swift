import DataExchange
import Foundation

/// What a scan feeds to work out an import's changes, for its dry run's preview and for its
/// approval: the calculator, the change set's groups and lines, and the scan's own outputs
/// (reports, outcomes) when it writes them.
///
/// When most records are compared with stored entities, the digests of a chunk of records are
/// worked out on the other core (`ChangeCalculator.Digester`) while this one takes the chunk
/// before: for a later 70 MB file, that was half of the approval's work on the records.
struct ChangeOutputs: ScanObserver {
    var changes: ChangeCalculator
    var scan: ScanOutputs?
    var changeSet: ChangeSetBuilder
    let record: (AppliedRecord) throws -> Void
    private var pending: [ScannedRecord] = []
    private var stages = Stages<[ScannedRecord], [ChangeCalculator.PreparedRecord?], Void>()
    private static let chunkSize = 2_048

    init(changes: ChangeCalculator, scan: ScanOutputs?, changeSet: ChangeSetBuilder, record: @escaping (AppliedRecord) throws -> Void = { _ in }) {
        self.changes = changes
        self.scan = scan
        self.changeSet = changeSet
        self.record = record
    }

    mutating func scanner(found exception: ScanException) throws { try scan?.scanner(found: exception) }

    mutating func scanner(readHeader header: Header) throws {
        try scan?.scanner(readHeader: header)
        changes.read(header)
        changeSet.read(header)
    }

    mutating func scanner(scanned record: ScannedRecord) throws {
        try scan?.scanner(scanned: record)
        changeSet.count(record)
        guard changes.comparesWithStored else {
            if let applied = try changes.changes(of: record) { try take(applied) }
            return
        }
        pending.append(record)
        if pending.count == Self.chunkSize { try flush() }
    }

    /// Takes the records still waiting; the scan has ended.
    mutating func finish() throws {
        if !pending.isEmpty { try flush() }
        if let done = stages.finish() { try take(done.batch, done.prepared) }
        try changeSet.finish(changes)
    }

    /// Starts preparing the pending chunk, then takes the chunk prepared before it.
    private mutating func flush() throws {
        let digester = changes.digester
        let records = pending
        pending = []
        if let done = stages.submit(records, prepare: digester.prepare) { try take(done.batch, done.prepared) }
    }

    private mutating func take(_ records: [ScannedRecord], _ prepared: [ChangeCalculator.PreparedRecord?]) throws {
        try changes.prefetchStoredFields(for: prepared)
        for (record, prepared) in zip(records, prepared) {
            if let applied = try changes.changes(of: record, prepared: prepared) { try take(applied) }
        }
    }

    private mutating func take(_ applied: AppliedRecord) throws {
        try changeSet.add(applied)
        try record(applied)
    }
}
