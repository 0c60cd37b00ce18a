import DataExchange
import Foundation
import GRDB

extension Ledger {
    /// What `importFile` tells: the new import's id and its scan.
    public struct ImportOutcome: Sendable {
        public var id: UUID
        public var summary: ScanSummary
        public var sameFileAs: UUID?
        /// What approving it would change; nil when the file cannot be imported, or when the
        /// ledger changed while it was worked out (the approval works it out again).
        public var changes: ChangePreview?
    }

    /// Uploads and scans a file: refuses it unread if it is too large, stores it, records the
    /// upload, scans it as a dry run against the ledger's current state, stores the reports and
    /// records the scan. Nothing is imported. A caller that tracks the import before it is
    /// recorded (the server answers an upload at once) chooses its `id`.
    public func importFile(
        at url: URL, name: String? = nil, id: UUID = UUID(), actor: Actor, today: CalendarDate = .today(), progress: ((Int) -> Void)? = nil
    ) throws -> ImportOutcome {
        let fileName = name ?? url.lastPathComponent
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw LedgerError(.notFound, "Cannot read \(url.path).") }
        try FileSizeLimit.check(size: size, name: fileName)
        try recoverInterruptedWork()
        // The state the scan compares with is read on the other cores while the file is stored.
        let loading = ScanState.Loading(from: storage)
        let stored: BlobStore.StoredLocally
        do {
            stored = try blobs.storeSharingMeanwhile(fileAt: url)
        } catch {
            _ = try? loading.wait()
            throw error
        }
        let file = stored.reference
        let stream = ImportState.stream(id)
        let metadata = EventMetadata(actor: actor)
        // Recorded once the file is in the shared database (at once without one), while it is
        // scanned here: no event names a file another server cannot fetch.
        var recording: Handoff<Result<Void, any Error>>?
        var upload: Result<Void, any Error>?
        func recordedUpload() throws {
            if upload == nil { upload = recording?.wait() ?? Result { try stored.waitUntilShared() } }
            try upload?.get()
        }
        do {
            let (state, stateVersion) = try scanState(loading)
            guard let lease = try storage.lease(.scanning, of: id) else { throw LedgerError(.versionConflict, "Import \(id.lowercasedString) is being scanned already.") }
            defer { withExtendedLifetime(lease) {} }
            let source = try FileByteSource(path: blobs.file(of: file).path)
            let scanner = Scanner(specification: try specification, ledger: state, today: today)
            let event = try coder.event(FileUploaded(importID: id, fileName: fileName, file: file, kind: try scanner.kind(of: source)), stream: stream, metadata: metadata)
            if stored.isBeingShared {
                let uploaded = Handoff<Result<Void, any Error>>()
                uploaded.startOnThreadOfItsOwn { [self] in
                    Result {
                        try stored.waitUntilShared()
                        try record([event], expecting: [stream: .noStream])
                    }
                }
                recording = uploaded
            } else {
                try record([event], expecting: [stream: .noStream])
                upload = .success(())
            }
            let scanned = Result {
                let reportPath = incoming.appendingPathComponent("\(id)-report.csv")
                defer { try? FileManager.default.removeItem(at: reportPath) }
                var outputs = ScanOutputs(reports: [try ExceptionReportWriter(path: reportPath.path, format: .csv)], outcomes: RecordOutcomes())
                let summary = try scanner.scan(source, name: fileName, observer: &outputs, progress: progress)
                try outputs.finish(summary: summary)
                let report = try blobs.store(fileAt: reportPath)
                let outcomes = try outputs.outcomes.map { try blobs.store($0.data) }
                let sameFileAs = try storage.firstImportedImport(ofFileWithSHA256: file.sha256)
                return (summary, ScanCompleted(importID: id, summary: summary, report: report, ledgerPosition: stateVersion, sameFileAs: sameFileAs, outcomes: outcomes))
            }
            // Unless the upload is recorded, nothing of the import is.
            try recordedUpload()
            do {
                let (summary, scan) = try scanned.get()
                try record([try coder.event(scan, stream: stream, metadata: metadata)], expecting: [stream: .exactly(1)])
                // The scan's result stands on its own; what approving would change follows it.
                let changes = summary.isImportable ? try previewChanges(of: id, in: source, scan: scan, actor: actor, today: today) : nil
                return ImportOutcome(id: id, summary: summary, sameFileAs: scan.sameFileAs, changes: changes)
            } catch {
                // The upload is recorded: say that its scan broke off, so the import does not wait forever.
                _ = try? record([try coder.event(ImportFailed(importID: id, reason: "The scan broke off: \(LedgerError.reason(error))"), stream: stream, metadata: metadata)],
                            expecting: [stream: .exactly(1)])
                throw error
            }
        } catch {
            // Not left copying or recording behind the caller's back.
            _ = try? recordedUpload()
            throw error
        }
    }

    /// Works out what approving import `id` would change against the ledger as its scan saw it,
    /// and records it. Nil, and nothing recorded, when the ledger changed since the scan (the
    /// approval scans again and works it out then) or the import moved on meanwhile.
    private func previewChanges(of id: UUID, in source: FileByteSource, scan: ScanCompleted, actor: Actor, today: CalendarDate) throws -> ChangePreview? {
        guard let kept = scan.outcomes else { return nil }
        let linesPath = incoming.appendingPathComponent("\(id)-changes")
        defer { try? FileManager.default.removeItem(at: linesPath) }
        let worked: ChangeOutputs? = try storage.reading { tables in
            guard try tables.lastStateChange() == scan.ledgerPosition else { return nil }
            var outputs = ChangeOutputs(
                changes: try ChangeCalculator.against(tables, kind: scan.kind, importID: id, firstPosition: 1, importDate: today), scan: nil,
                changeSet: ChangeSetBuilder(output: try OutputFile(path: linesPath.path)))
            try records(of: source, keptOutcomes: kept, today: today, observer: &outputs)
            return outputs
        }
        guard let worked else { return nil }
        let preview = ChangePreview(
            counts: worked.changeSet.counts, lines: try blobs.store(movingWorkFileAt: linesPath), day: today.description)
        let previewed = ChangesPreviewed(importID: id, ledgerPosition: scan.ledgerPosition, preview: preview)
        return try recordUnlessChanged(previewed, of: id, at: 2, actor: actor) ? preview : nil
    }

    /// Feeds `observer` the records of `source` with the outcomes its scan kept, then finishes
    /// it: against the ledger that scan saw, the outcomes hold and the cells need no second check.
    private func records(
        of source: FileByteSource, keptOutcomes kept: BlobReference, today: CalendarDate, observer: inout ChangeOutputs, progress: ((Int) -> Void)? = nil
    ) throws {
        let outcomes = try RecordOutcomes(data: Data(contentsOf: blobs.checkedFile(of: kept)))
        _ = try Scanner(specification: try specification, today: today).records(of: source, outcomes: outcomes, observer: &observer, progress: progress)
        try observer.finish()
    }

    /// The folder of files on their way in: uploads being stored, reports being written.
    var incoming: URL { blobs.folder.appendingPathComponent("incoming") }

    /// Records what a stopped process left unfinished: every import whose scan was interrupted
    /// (uploaded, not scanned, and no process scanning it: a scan holds its lease until it ends)
    /// as failed, and every approval interrupted before it committed (begun, and its lease held
    /// by nobody) as `ApprovalInterrupted`, the import still to be approved. Returns their ids.
    @discardableResult
    public func recoverInterruptedWork(actor: Actor = Actor(name: "ledger", email: "", via: .cli)) throws -> [UUID] {
        var recovered: [UUID] = []
        for id in try storage.importsAwaitingTheirScan() {
            guard let lease = try storage.lease(.scanning, of: id) else { continue }
            if try recordUnlessChanged(ImportFailed(importID: id, reason: "The scan was interrupted; drop the file again."), of: id, at: 1, actor: actor) {
                recovered.append(id)
            }
            withExtendedLifetime(lease) {}
        }
        for id in try storage.abandonedApprovals() {
            guard let lease = try storage.lease(.approving, of: id) else { continue }
            let state = try importState(id)
            if state.status == .scanned, try recordUnlessChanged(ApprovalInterrupted(importID: id), of: id, at: state.version, actor: actor) {
                recovered.append(id)
            }
            withExtendedLifetime(lease) {}
        }
        return recovered
    }

    /// Appends `payload` to import `id`'s stream if it is still at `version`; false when it
    /// moved on meanwhile (the work finished after all).
    private func recordUnlessChanged(_ payload: some EventPayload, of id: UUID, at version: Int64, actor: Actor) throws -> Bool {
        let stream = ImportState.stream(id)
        do {
            try record([try coder.event(payload, stream: stream, metadata: EventMetadata(actor: actor))], expecting: [stream: .exactly(version)])
            return true
        } catch let error as LedgerError where error.code == .versionConflict {
            return false
        }
    }

    /// What an approval did.
    public struct ApprovalOutcome: Sendable, Codable {
        public var id: UUID
        public var imported: Int
        public var unchanged: Int
        public var skipped: Int
        public var rescanned: Bool
        /// What it changed, counted as its preview counts; nil when it applied the very same
        /// file as the import before it (nothing).
        public var changes: ChangeCounts?
    }

    /// The right to approve one import, held by this process, whichever server it runs on,
    /// until the approval it is given to ends: a second claim meanwhile is refused.
    public final class ApprovalClaim: @unchecked Sendable {
        public let id: UUID
        /// Only held, and released when the claim goes: never used from two threads.
        fileprivate let lease: any WorkLease

        fileprivate init(id: UUID, lease: any WorkLease) {
            self.id = id
            self.lease = lease
        }
    }

    /// Claims the approval of a scanned import: refused (`versionConflict`) while another process
    /// approves it, and (`invalidState`) when its state does not allow an approval.
    public func claimApproval(of id: UUID) throws -> ApprovalClaim {
        try recoverInterruptedWork()
        // Held while the approval runs: a process killed in the middle leaves it begun, held by nobody.
        guard let lease = try storage.lease(.approving, of: id) else {
            throw LedgerError(.versionConflict, "Import \(id.lowercasedString) is being approved at the same time, by another process.")
        }
        try importState(id).decideApprove()
        return ApprovalClaim(id: id, lease: lease)
    }

    /// Approves a scanned import: scans it again if the ledger changed since its dry run, works
    /// out what each record changes, and records the approval, every change and the completion in
    /// one transaction: all of it or none. Of two approvals at once, one wins; the other fails.
    /// Changes are appended as they are found, so memory does not grow with the file's events.
    public func approve(_ id: UUID, actor: Actor, today: CalendarDate = .today(), progress: ((Int) -> Void)? = nil) throws -> ApprovalOutcome {
        try approve(try claimApproval(of: id), actor: actor, today: today, progress: progress)
    }

    /// Approves the import `claim` holds the right to approve.
    public func approve(
        _ claim: ApprovalClaim, actor: Actor, policy: ApprovalPolicy? = nil, today: CalendarDate = .today(), progress: ((Int) -> Void)? = nil
    ) throws -> ApprovalOutcome {
        let id = claim.id
        defer { withExtendedLifetime(claim) {} }
        let before = try importState(id)
        try before.decideApprove()
        guard let uploaded = before.uploaded, let scan = before.scan else { throw LedgerError(.invalidState, "Import \(id.lowercasedString) has not been scanned.") }
        let stream = ImportState.stream(id)
        do {
            return try applyApproval(of: before, uploaded: uploaded, scan: scan, actor: actor, policy: policy, today: today, progress: progress)
        } catch let refused as NoLongerImportable {
            try record([try coder.event(ImportFailed(importID: id, reason: refused.reason), stream: stream, metadata: EventMetadata(actor: actor))],
                       expecting: [stream: .exactly(before.version)])
            throw LedgerError(.invalidState, "Import \(id.lowercasedString) failed: \(refused.reason)")
        }
    }

    /// The file no longer scans without file-level errors: the approval's transaction is rolled
    /// back and the import is recorded as failed.
    private struct NoLongerImportable: Error {
        var reason: String
    }

    private func applyApproval(
        of before: ImportState, uploaded: FileUploaded, scan: ScanCompleted, actor: Actor, policy: ApprovalPolicy?, today: CalendarDate,
        progress: ((Int) -> Void)?
    ) throws -> ApprovalOutcome {
        let id = before.id
        let stream = ImportState.stream(id)
        let changesStream = ImportState.changesStream(id)
        let metadata = EventMetadata(actor: actor)
        let reportPath = incoming.appendingPathComponent("\(id)-approval-report.csv")
        let changesPath = incoming.appendingPathComponent("\(id)-approval-changes")
        defer { for path in [reportPath, changesPath] { try? FileManager.default.removeItem(at: path) } }
        return try storage.approving { transaction in
            try transaction.check([stream: .exactly(before.version), changesStream: .noStream])
            let stateVersion = try transaction.tables.lastStateChange()
            func append(_ event: NewEvent) throws {
                guard try transaction.append(event) != nil else {
                    throw LedgerError(.storage, "The \(event.type) of import \(id.lowercasedString) could not be recorded.")
                }
            }
            // The very same file as the import that made the ledger what it is changes nothing,
            // even where the file itself moves a register back and forth (spec rule 6).
            if let same = scan.sameFileAs, try transaction.completion(of: same) == stateVersion {
                try append(try coder.event(ImportApproved(importID: id, rescanned: false, policy: policy), stream: stream, metadata: metadata))
                let skipped = scan.records - scan.ready
                try append(try coder.event(
                    ImportCompleted(importID: id, imported: 0, unchanged: scan.ready, skipped: skipped), stream: stream, metadata: metadata))
                return ApprovalOutcome(id: id, imported: 0, unchanged: scan.ready, skipped: skipped, rescanned: false)
            }
            let rescanned = stateVersion != scan.ledgerPosition
            try append(try coder.event(ImportApproved(importID: id, rescanned: rescanned, policy: policy), stream: stream, metadata: metadata))
            var history = HistoryProjection.Batch()

            let chain = try transaction.chain(of: changesStream, metadata: metadata)
            var changeEvents = ChangeEventPipeline(coder: coder, chain: chain)
            func insert(_ events: [RecordedEvent], endingAt end: LogChain, of changes: [AppliedRecord]) throws {
                try transaction.insert(events, endingAt: end)
                for (applied, event) in zip(changes, events) {
                    // Creations were placed on state rows by where their events were expected.
                    guard applied.position == event.position else {
                        throw LedgerError(.storage, "Record \(applied.record)'s event is at position \(event.position), not \(applied.position) as worked out.")
                    }
                    history.add(applied)
                }
            }
            // Against the ledger its dry run saw, the approval applies what the dry run previewed,
            // as it was stored: the changes the person saw are the changes made.
            let previewed = rescanned ? nil : before.changes.flatMap { $0.ledgerPosition == stateVersion ? $0.preview : nil }
            let applied: (fold: StateFold, imported: Int, unchanged: Int, skipped: Int, counts: ChangeCounts)
            // A preview whose lines are gone or altered is worked out again below, and must come out the same.
            if let previewed, let lines = try? ChangeSetReader(contentsOf: blobs.checkedFile(of: previewed.lines)) {
                var fold = StateFold()
                var position = chain.position
                try lines.forEachRecord(progress: { read in progress?(Int(read * Double(uploaded.file.size))) }) { record, line, changes in
                    position += 1
                    for change in changes {
                        try fold.bringIn(change, from: transaction.tables)
                        fold.apply(change, at: position)
                    }
                    try changeEvents.add(AppliedRecord(importID: id, record: record, line: line, position: position, changes: changes), insert: insert)
                }
                progress?(uploaded.file.size)
                try changeEvents.finish(insert)
                applied = (fold, Int(position - chain.position), previewed.counts.unchanged, previewed.counts.skipped, previewed.counts)
            } else {
                // Otherwise the changes are worked out here, against the ledger as it is now. A
                // change-out without an install date comes off on the import's day, the dry run's.
                let importDate = before.changes.flatMap { CalendarDate(isoText: $0.preview.day) } ?? today
                let calculator = try ChangeCalculator.against(
                    transaction.tables, kind: uploaded.kind, importID: id, firstPosition: chain.position + 1, importDate: importDate)
                var outputs = ChangeOutputs(
                    changes: calculator,
                    scan: rescanned ? ScanOutputs(reports: [try ExceptionReportWriter(path: reportPath.path, format: .csv)]) : nil,
                    changeSet: ChangeSetBuilder(output: rescanned ? try OutputFile(path: changesPath.path) : nil)
                ) { applied in
                    try changeEvents.add(applied, insert: insert)
                }
                let source = try FileByteSource(path: blobs.file(of: uploaded.file).path)
                if !rescanned, let kept = scan.outcomes {
                    try records(of: source, keptOutcomes: kept, today: today, observer: &outputs, progress: progress)
                    try changeEvents.finish(insert)
                } else {
                    let summary = try Scanner(specification: try specification, ledger: try ScanState.load(from: transaction.tables), today: today)
                        .scan(source, name: uploaded.fileName, observer: &outputs, progress: progress)
                    try outputs.finish()
                    try changeEvents.finish(insert)
                    if rescanned {
                        try outputs.scan?.finish(summary: summary)
                        guard summary.isImportable else {
                            throw NoLongerImportable(reason: "scanned again against the ledger as it is now, the file has \(summary.fileErrors) file-level error(s); nothing was approved.")
                        }
                        let report = try blobs.store(fileAt: reportPath)
                        let preview = ChangePreview(counts: outputs.changeSet.counts, lines: try blobs.store(movingWorkFileAt: changesPath), day: importDate.description)
                        try append(try coder.event(
                            ScanCompleted(importID: id, summary: summary, report: report, ledgerPosition: stateVersion, sameFileAs: nil, outcomes: nil),
                            stream: stream, metadata: metadata))
                        try append(try coder.event(ChangesPreviewed(importID: id, ledgerPosition: stateVersion, preview: preview), stream: stream, metadata: metadata))
                    }
                }
                if let previewed, outputs.changeSet.counts != previewed.counts {
                    throw LedgerError(
                        .tampered,
                        "Import \(id.lowercasedString)'s previewed changes could not be read, and worked out again they are not what was previewed (\(outputs.changeSet.counts.sentence), not \(previewed.counts.sentence)); nothing was approved.")
                }
                let changes = outputs.changes
                applied = (changes.fold, changes.imported, changes.unchanged, changes.skipped, outputs.changeSet.counts)
            }
            history.add(from: applied.fold)
            try transaction.tables.write(history)
            try applied.fold.write(to: transaction.tables)
            try append(try coder.event(
                ImportCompleted(importID: id, imported: applied.imported, unchanged: applied.unchanged, skipped: applied.skipped),
                stream: stream, metadata: metadata))
            return ApprovalOutcome(
                id: id, imported: applied.imported, unchanged: applied.unchanged, skipped: applied.skipped, rescanned: rescanned, changes: applied.counts)
        }
    }

    public func cancel(_ id: UUID, reason: String?, actor: Actor) throws {
        let state = try importState(id)
        try state.decideCancel()
        let stream = ImportState.stream(id)
        try record([try coder.event(ImportCancelled(importID: id, reason: reason), stream: stream, metadata: EventMetadata(actor: actor))],
                   expecting: [stream: .exactly(state.version)])
    }

    /// The original file of an import, as it was dropped.
    public func originalFile(_ id: UUID) throws -> BlobReference {
        guard let file = try importState(id).uploaded?.file else { throw LedgerError(.notFound, "Import \(id.lowercasedString) has no stored file.") }
        return file
    }

    /// The exceptions report (CSV) of an import's scan.
    public func exceptionsReport(_ id: UUID) throws -> BlobReference { try scan(of: id).report }

    /// What an import's dry run found: its counts and its report.
    public func scan(of id: UUID) throws -> ScanCompleted {
        guard let scan = try importState(id).scan else { throw LedgerError(.notFound, "Import \(id.lowercasedString) has not been scanned.") }
        return scan
    }
}
