import DataExchange
import Foundation
import GRDB

/// The ledger: the event log, the stored files, and the projections kept in step with the log.
/// The command line and the server are thin shells over this.
public final class Ledger: Sendable {
    public let store: SQLiteEventStore
    public let blobs: BlobStore
    public let specification: Specification
    let coder = EventCoder.ledger

    public init(path: String, specification: Specification? = nil) throws {
        store = try SQLiteEventStore(path: path) { migrator in
            ActivityProjection.registerMigrations(&migrator)
            StateProjection.registerMigrations(&migrator)
            HistoryProjection.registerMigrations(&migrator)
        }
        blobs = try BlobStore(besideDatabase: path)
        self.specification = try specification ?? Specification.bundled()
    }

    /// Appends `events` and brings the projections along, in one transaction.
    @discardableResult
    func record(_ events: [NewEvent], expecting: [String: ExpectedVersion]) throws -> [RecordedEvent] {
        try store.write { db in
            let recorded = try SQLiteEventStore.append(events, expecting: expecting, in: db)
            for event in recorded { try project(event, in: db) }
            return recorded
        }
    }

    /// Brings every projection along one event.
    func project(_ event: RecordedEvent, in db: Database) throws {
        try ActivityProjection.apply(event, in: db, coder: coder)
        try StateProjection.apply(event, in: db, coder: coder)
        try HistoryProjection.apply(event, in: db, coder: coder)
    }

    /// The projection tables, which `replay` empties and builds again.
    static let projectionTables = ["activity", "state", "entity_changes"]

    /// Rebuilds every projection from the first event, in one transaction; returns the number of
    /// events replayed. The rebuilt projections equal those kept incrementally.
    @discardableResult
    public func replay(progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try store.write { db in
            for table in Self.projectionTables { try db.execute(sql: "DELETE FROM \(table)") }
            try db.execute(sql: "UPDATE state_changes SET position = 0")
            let total = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY position")
            var count: Int64 = 0
            while let row = try rows.next() {
                try project(try SQLiteEventStore.event(row), in: db)
                count += 1
                if count % 10_000 == 0 { progress?(count, total) }
            }
            progress?(count, total)
            return count
        }
    }

    /// The projections' rows, in a stable order: to compare a rebuilt ledger with a kept one.
    public func projectionDump() throws -> [String] {
        try store.pool.read { db in
            try Self.projectionTables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table) \($0.description)" }.sorted()
            }
        }
    }

    /// A consistent copy of the live ledger at `path`: the database by SQLite's online backup,
    /// then the stored files it refers to (never altered, and stored before any event names
    /// them, so a copy taken after the database has them all). The copy is verified.
    public func backup(to path: String) throws -> Int64 {
        do {
            let copy = try DatabaseQueue(path: path)
            try store.pool.backup(to: copy)
        } catch let error as DatabaseError {
            throw LedgerError(.storage, "Cannot back up to \(path): \(error.message ?? "\(error)").")
        }
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
        return try copy.store.verify(progress: nil)
    }

    /// An import's state, from its stream.
    public func importState(_ id: UUID) throws -> ImportState {
        var state = ImportState(id: id)
        let events = try store.events(in: ImportState.stream(id))
        guard !events.isEmpty else { throw LedgerError(.notFound, "There is no import \(id.uuidString.lowercased()).") }
        for event in events { try state.evolve(event, coder: coder) }
        return state
    }

    /// The import whose id is `text` or starts with it (eight characters at least).
    public func importID(_ text: String) throws -> UUID {
        let prefix = text.lowercased()
        guard prefix.count >= 8 else { throw LedgerError(.notFound, "Give at least eight characters of the import's id; \"\(text)\" is too short.") }
        let ids = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM activity WHERE id LIKE ? LIMIT 2", arguments: [prefix + "%"])
        }
        guard ids.count == 1, let id = UUID(uuidString: ids[0]) else {
            throw LedgerError(.notFound, ids.isEmpty ? "There is no import \(text)." : "\(text) names more than one import; give more of its id.")
        }
        return id
    }

    /// The Activity List, newest first.
    public func activity(limit: Int = 50, offset: Int = 0) throws -> [ActivityEntry] {
        try store.pool.read { db in
            try ActivityEntry.fetchAll(db, sql: "SELECT * FROM activity ORDER BY position DESC LIMIT ? OFFSET ?", arguments: [limit, offset])
        }
    }

    public func activityEntry(_ id: UUID) throws -> ActivityEntry {
        guard let entry = try store.pool.read({ db in
            try ActivityEntry.fetchOne(db, sql: "SELECT * FROM activity WHERE id = ?", arguments: [id.uuidString.lowercased()])
        }) else { throw LedgerError(.notFound, "There is no import \(id.uuidString.lowercased()).") }
        return entry
    }
}

extension Ledger {
    /// What `importFile` tells: the new import's id and its scan.
    public struct ImportOutcome: Sendable {
        public var id: UUID
        public var summary: ScanSummary
        public var sameFileAs: UUID?
    }

    /// Uploads and scans a file: refuses it unread if it is too large, stores it, records the
    /// upload, scans it as a dry run against the ledger's current state, stores the reports and
    /// records the scan. Nothing is imported.
    public func importFile(
        at url: URL, name: String? = nil, actor: Actor, today: CalendarDate = .today(), progress: ((Int) -> Void)? = nil
    ) throws -> ImportOutcome {
        let fileName = name ?? url.lastPathComponent
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw LedgerError(.notFound, "Cannot read \(url.path).") }
        try FileSizeLimit.check(size: size, name: fileName)
        let file = try blobs.store(fileAt: url)
        let id = UUID()
        let stream = ImportState.stream(id)
        let metadata = EventMetadata(actor: actor)
        let source = try FileByteSource(path: blobs.url(of: file).path)
        let (state, stateVersion) = try currentState()
        let scanner = Scanner(specification: specification, ledger: state, today: today)
        let kind = try scanner.kind(of: source)
        try record([try coder.event(FileUploaded(importID: id, fileName: fileName, file: file, kind: kind), stream: stream, metadata: metadata)],
                   expecting: [stream: .noStream])

        let incoming = blobs.folder.appendingPathComponent("incoming")
        let reportPath = incoming.appendingPathComponent("\(id)-report.csv")
        defer { try? FileManager.default.removeItem(at: reportPath) }
        var outputs = ScanOutputs(reports: [try ExceptionReportWriter(path: reportPath.path, format: .csv)])
        let summary = try scanner.scan(source, name: fileName, observer: &outputs, progress: progress)
        try outputs.finish(summary: summary)
        let report = try blobs.store(fileAt: reportPath)
        let sameFileAs = try store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT id FROM activity WHERE sha256 = ? AND status = 'imported' ORDER BY position LIMIT 1", arguments: [file.sha256])
        }.flatMap(UUID.init(uuidString:))
        let scan = ScanCompleted(importID: id, summary: summary, report: report, ledgerPosition: stateVersion, sameFileAs: sameFileAs)
        try record([try coder.event(scan, stream: stream, metadata: metadata)], expecting: [stream: .exactly(1)])
        return ImportOutcome(id: id, summary: summary, sameFileAs: sameFileAs)
    }

    /// The state as it stood at `position`: the changes of the log up to there, folded.
    public func state(asOf position: Int64) throws -> CurrentState {
        try store.pool.read { db in
            var state = CurrentState()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT * FROM events WHERE type = ? AND position <= ? ORDER BY position", arguments: [RecordApplied.type, position])
            while let row = try rows.next() {
                guard let applied = try coder.decode(try SQLiteEventStore.event(row), as: RecordApplied.self) else { continue }
                for change in applied.changes { state.apply(change) }
            }
            return state
        }
    }

    /// The current state, and the position of the last change to it.
    public func currentState() throws -> (CurrentState, Int64) {
        try store.pool.read { db in (try CurrentState.load(from: db), try StateProjection.lastChange(in: db)) }
    }

    /// What an approval did.
    public struct ApprovalOutcome: Sendable, Codable {
        public var id: UUID
        public var imported: Int
        public var unchanged: Int
        public var skipped: Int
        public var rescanned: Bool
    }

    /// Approves a scanned import: scans it again if the ledger changed since its dry run, works
    /// out what each record changes, and records the approval, every change and the completion in
    /// one transaction: all of it or none. Of two approvals at once, one wins; the other fails.
    /// Changes are appended as they are found, so memory does not grow with the file's events.
    public func approve(_ id: UUID, actor: Actor, today: CalendarDate = .today(), progress: ((Int) -> Void)? = nil) throws -> ApprovalOutcome {
        let before = try importState(id)
        try before.decideApprove()
        guard let uploaded = before.uploaded, let scan = before.scan else { throw LedgerError(.invalidState, "Import \(id) has not been scanned.") }
        let stream = ImportState.stream(id)
        let metadata = EventMetadata(actor: actor)
        let reportPath = blobs.folder.appendingPathComponent("incoming").appendingPathComponent("\(id)-approval-report.csv")
        defer { try? FileManager.default.removeItem(at: reportPath) }
        return try store.write { db in
            var appender = try EventAppender(db: db)
            try appender.check([stream: .exactly(before.version)])
            let state = try CurrentState.load(from: db)
            let stateVersion = try StateProjection.lastChange(in: db)
            let rescanned = stateVersion != scan.ledgerPosition
            func append(_ event: NewEvent, fresh: Bool = false) throws {
                guard let recorded = try appender.append(event, fresh: fresh) else { return }
                try ActivityProjection.apply(recorded, in: db, coder: coder)
            }
            try append(try coder.event(ImportApproved(importID: id, rescanned: rescanned), stream: stream, metadata: metadata))

            var outputs = ApprovalOutputs(
                changes: ChangeCalculator(state: state, importID: id),
                report: rescanned ? try ExceptionReportWriter(path: reportPath.path, format: .csv) : nil
            ) { applied in
                guard let recorded = try appender.append(try self.coder.event(applied, stream: stream, metadata: metadata), fresh: true) else { return }
                try HistoryProjection.index(applied, at: recorded.position, in: db)
            }
            let summary = try Scanner(specification: specification, ledger: state, today: today)
                .scan(try FileByteSource(path: blobs.url(of: uploaded.file).path), name: uploaded.fileName, observer: &outputs, progress: progress)
            if rescanned {
                try outputs.report?.finish(summary: summary)
                guard summary.isImportable else {
                    throw LedgerError(.invalidState, "Import \(id) no longer scans without file-level errors; nothing was approved.")
                }
                let report = try blobs.store(fileAt: reportPath)
                try append(try coder.event(
                    ScanCompleted(importID: id, summary: summary, report: report, ledgerPosition: stateVersion, sameFileAs: nil),
                    stream: stream, metadata: metadata))
            }
            let changes = outputs.changes
            try StateProjection.write(changes.touched, of: changes.state, in: db)
            guard let completed = try appender.append(try coder.event(
                ImportCompleted(importID: id, imported: changes.imported, unchanged: changes.unchanged, skipped: changes.skipped),
                stream: stream, metadata: metadata))
            else { throw LedgerError(.storage, "The completion of import \(id) could not be recorded.") }
            try ActivityProjection.apply(completed, in: db, coder: coder)
            try StateProjection.apply(completed, in: db, coder: coder)
            return ApprovalOutcome(id: id, imported: changes.imported, unchanged: changes.unchanged, skipped: changes.skipped, rescanned: rescanned)
        }
    }

    /// One line of the audit trail: who did what, when, through which door, on which object.
    public struct AuditEntry: Sendable, Codable, Equatable {
        public var position: Int64
        public var recordedAt: Date
        public var byName: String
        public var byEmail: String
        public var via: String
        public var action: String
        public var object: String
        public var outcome: String
    }

    /// The audit trail: every event, oldest first, filtered by who, which import and when.
    public func audit(user: String? = nil, importID: UUID? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 10_000) throws -> [AuditEntry] {
        var conditions: [String] = [], arguments: StatementArguments = []
        if let user {
            conditions.append("json_extract(metadata, '$.actor.email') = ?")
            arguments += [user]
        }
        if let importID {
            conditions.append("stream = ?")
            arguments += [ImportState.stream(importID)]
        }
        if let since {
            conditions.append("recorded_at >= ?")
            arguments += [SQLiteEventStore.timestamp(since)]
        }
        if let until {
            conditions.append("recorded_at <= ?")
            arguments += [SQLiteEventStore.timestamp(until)]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events \(filter) ORDER BY position LIMIT ?", arguments: arguments + [limit]).map { row in
                let event = try SQLiteEventStore.event(row)
                let actor = event.metadata.actor
                return AuditEntry(
                    position: event.position, recordedAt: event.recordedAt, byName: actor.name, byEmail: actor.email, via: actor.via.rawValue,
                    action: event.type, object: try auditObject(event), outcome: try auditOutcome(event))
            }
        }
    }

    private func auditObject(_ event: RecordedEvent) throws -> String {
        if let applied = try coder.decode(event, as: RecordApplied.self) {
            return "\(event.stream) record \(applied.record): " + applied.changes.map { "\($0.kind.rawValue) \($0.key)" }.joined(separator: ", ")
        }
        if let uploaded = try coder.decode(event, as: FileUploaded.self) { return "\(event.stream) \(uploaded.fileName)" }
        return event.stream
    }

    private func auditOutcome(_ event: RecordedEvent) throws -> String {
        if let scan = try coder.decode(event, as: ScanCompleted.self) {
            return "\(scan.records) records, \(scan.ready) ready, \(scan.errors) errors, \(scan.warnings) warnings"
        }
        if let completed = try coder.decode(event, as: ImportCompleted.self) {
            return "\(completed.imported) imported, \(completed.unchanged) unchanged, \(completed.skipped) skipped"
        }
        if let cancelled = try coder.decode(event, as: ImportCancelled.self) { return cancelled.reason.map { "cancelled: \($0)" } ?? "cancelled" }
        if let applied = try coder.decode(event, as: RecordApplied.self) {
            return applied.changes.map { "\($0.created ? "created" : "changed") \($0.fields.count) field\($0.fields.count == 1 ? "" : "s")" }.joined(separator: ", ")
        }
        return "recorded"
    }

    /// What a history is asked for: an entity, as people name it.
    public enum Subject: Sendable {
        /// A register: `METER_ID` or `METER_ID:L`, with its endpoint's and route's changes.
        case register(String)
        /// Every register of a meter.
        case meter(String)
        case account(String)
        /// A location and its service points.
        case location(String)
        case servicePoint(location: String, servicePoint: String)
    }

    /// Every change to `subject`, oldest first, up to `position` (the whole log when nil).
    public func history(of subject: Subject, asOf position: Int64? = nil) throws -> [HistoryEntry] {
        let limit = position ?? .max
        return try store.pool.read { db in
            switch subject {
            case .register(let name):
                let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
                let key = RegisterKey(meter: parts.first ?? name, register: parts.count > 1 ? parts[1] : "").description
                return try HistoryProjection.entries(kinds: [.register, .route, .other], key: key, prefix: false, upTo: limit, in: db, coder: coder)
            case .meter(let id):
                return try HistoryProjection.entries(kinds: [.register, .route, .other], key: id, prefix: false, upTo: limit, in: db, coder: coder)
                    + HistoryProjection.entries(kinds: [.register, .route, .other], key: id + ":", prefix: true, upTo: limit, in: db, coder: coder)
            case .account(let id):
                return try HistoryProjection.entries(kinds: [.account], key: id, prefix: false, upTo: limit, in: db, coder: coder)
            case .location(let id):
                return try HistoryProjection.entries(kinds: [.location], key: id, prefix: false, upTo: limit, in: db, coder: coder)
                    + HistoryProjection.entries(kinds: [.servicePoint, .serviceAgreement], key: id + "/", prefix: true, upTo: limit, in: db, coder: coder)
            case .servicePoint(let location, let point):
                let key = ServicePointKey(location: location, servicePoint: point).description
                return try HistoryProjection.entries(kinds: [.servicePoint, .serviceAgreement], key: key, prefix: false, upTo: limit, in: db, coder: coder)
            }
        }.sorted { ($0.position, $0.kind.order) < ($1.position, $1.kind.order) }
    }

    /// The last position recorded at or before `date`: what "as of" a time means.
    public func position(asOf date: Date) throws -> Int64 {
        try store.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events WHERE recorded_at <= ?", arguments: [SQLiteEventStore.timestamp(date)]) ?? 0
        }
    }

    /// Cancels a scanned import that is not approved yet; nothing of it is imported.
    public func cancel(_ id: UUID, reason: String?, actor: Actor) throws {
        let state = try importState(id)
        try state.decideCancel()
        let stream = ImportState.stream(id)
        try record([try coder.event(ImportCancelled(importID: id, reason: reason), stream: stream, metadata: EventMetadata(actor: actor))],
                   expecting: [stream: .exactly(state.version)])
    }

    /// The original file of an import, as it was dropped.
    public func originalFile(_ id: UUID) throws -> BlobReference {
        guard let file = try importState(id).uploaded?.file else { throw LedgerError(.notFound, "Import \(id) has no stored file.") }
        return file
    }

    /// The exceptions report (CSV) of an import's scan.
    public func exceptionsReport(_ id: UUID) throws -> BlobReference {
        guard let report = try importState(id).scan?.report else { throw LedgerError(.notFound, "Import \(id) has not been scanned.") }
        return report
    }
}

/// What an approval's scan feeds: the changes, each recorded as it is found, and a new report
/// when the file is scanned again.
private struct ApprovalOutputs: ScanObserver {
    var changes: ChangeCalculator
    var report: ExceptionReportWriter?
    let record: (RecordApplied) throws -> Void

    mutating func scanner(found exception: ScanException) throws { try report?.scanner(found: exception) }
    mutating func scanner(readHeader header: Header) throws { changes.read(header) }
    mutating func scanner(scanned record: ScannedRecord) throws {
        try report?.scanner(scanned: record)
        if let applied = changes.changes(of: record) { try self.record(applied) }
    }
}
