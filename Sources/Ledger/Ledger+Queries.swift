import DataExchange
import Foundation

extension Ledger {
    /// The Activity List, newest first.
    public func activity(limit: Int = 50, offset: Int = 0) throws -> [ActivityEntry] {
        try storage.activity(limit: limit, offset: offset)
    }

    public func activityEntry(_ id: UUID) throws -> ActivityEntry {
        guard let entry = try storage.activityEntry(id) else { throw LedgerError(.notFound, "There is no import \(id.lowercasedString).") }
        return entry
    }

    /// The state as it stood at `position`: the changes of the log up to there, folded as a
    /// replay folds them.
    public func state(asOf position: Int64) throws -> CurrentState { try fold(through: position).wholeState }

    /// The log's changes folded up to `position`, the new entities kept encoded.
    private func fold(through position: Int64) throws -> StateFold {
        try storage.reading { snapshot in
            var fold = StateFold()
            try forEachAppliedRecord(in: snapshot, through: position) { record in
                for change in record.changes { fold.apply(change, at: record.position) }
            }
            return fold
        }
    }

    /// What a scan compares a file with, and the position of the last change to the state.
    public func scanState() throws -> (ScanState, Int64) {
        try scanState(ScanState.Loading(from: storage))
    }

    /// The state that `loading` read, or read again in one transaction when an approval came
    /// between the reads of its two halves.
    func scanState(_ loading: ScanState.Loading) throws -> (ScanState, Int64) {
        try loading.wait() ?? storage.reading { tables in (try ScanState.load(from: tables), try tables.lastStateChange()) }
    }

    /// The state (as of `position`, or as it stands) as one JSON object,
    /// `{"Kind":{"key":{"field":"value",…},…},…}`, in the order of kinds, keys and fields byte by
    /// byte. The state as it stands is written a row at a time from its encoded fields: as one
    /// value, a million entities took 18 s and 2.2 GB.
    public func writeStateJSON(to output: OutputFile, asOf position: Int64? = nil) throws {
        var json = StateJSON(output)
        if let position {
            let fold = try fold(through: position)
            for kind in EntityKind.byName { try fold.forEachEntity(of: kind) { try json.add(kind, $0, $1) } }
        } else {
            try storage.reading { tables in
                try tables.forEachEntity(of: nil) { kind, key, fields in try json.add(kind, key, encoded: fields) }
            }
        }
        try json.finish()
    }

    /// Writes the state (as of `position`, or as it stands) to `output` as a Data Exchange file
    /// (`StateExport`); returns its records and bytes. The state as it stands is read as it is
    /// written: as a million dictionaries it took a gigabyte.
    public func exportState(to output: OutputFile, asOf position: Int64? = nil) throws -> (records: Int, bytes: Int) {
        var bytes = 0
        func write(_ line: [UInt8]) throws {
            try output.write(line)
            bytes += line.count
        }
        let records = try position.map { try StateExport.write(try fold(through: $0), specification: try specification, to: write) }
            ?? storage.reading { tables in try StateExport.write(try StoredExportSource(tables), specification: try specification, to: write) }
        try output.flush()
        return (records, bytes)
    }

    /// How many entities of each kind the state holds, or held as of `position`, without reading
    /// or decoding them.
    public func entityCounts(asOf position: Int64? = nil) throws -> [EntityKind: Int] {
        if let position { return try fold(through: position).entityCounts }
        return try storage.reading { tables in try tables.entityCounts() }
    }

    /// The current state, and the position of the last change to it.
    public func currentState() throws -> (CurrentState, Int64) {
        try storage.reading { tables in (try CurrentState.load(from: tables), try tables.lastStateChange()) }
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

    /// The audit trail: every event, oldest first, filtered by who, which import, which entity
    /// (the events that changed it, renames included) and when.
    public func audit(
        user: String? = nil, importID: UUID? = nil, since: Date? = nil, until: Date? = nil, entity: Subject? = nil, limit: Int = 10_000
    ) throws -> [AuditEntry] {
        var filter = EventFilter(actorEmail: user, since: since, until: until)
        if let entity {
            filter.positions = try entity.selections.reduce(into: Set<Int64>()) { $0.formUnion(try storage.historyIndex(of: $1, upTo: .max).positions) }
        }
        if let importID { filter.streams = [ImportState.stream(importID), ImportState.changesStream(importID)] }
        return try storage.events(matching: filter, limit: limit).map { event in
            let actor = event.metadata.actor
            return AuditEntry(
                position: event.position, recordedAt: event.recordedAt, byName: actor.name, byEmail: actor.email, via: actor.via.rawValue,
                action: event.type, object: try auditObject(event), outcome: try auditOutcome(event))
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
        if let previewed = try coder.decode(event, as: ChangesPreviewed.self) { return "approving it changes: \(previewed.preview.counts.sentence)" }
        if let completed = try coder.decode(event, as: ImportCompleted.self) {
            return "\(completed.imported) imported, \(completed.unchanged) unchanged, \(completed.skipped) skipped"
        }
        if let refused = try coder.decode(event, as: SignInFailed.self), let repeats = refused.repeats {
            let format = Date.ISO8601FormatStyle()
            return "\(repeats.attempts) more refusals from \(format.format(repeats.first)) to \(format.format(repeats.last)), the last: \(refused.reason)"
        }
        if let cancelled = try coder.decode(event, as: ImportCancelled.self) { return cancelled.reason.map { "cancelled: \($0)" } ?? "cancelled" }
        if let failed = try coder.decode(event, as: ImportFailed.self) { return "failed: \(failed.reason)" }
        if let applied = try coder.decode(event, as: RecordApplied.self) {
            return applied.changes.map { "\($0.created ? "created" : "changed") \($0.fields.count) field\($0.fields.count == 1 ? "" : "s")" }.joined(separator: ", ")
        }
        return "recorded"
    }

    /// What a history is asked for: an entity, as people name it.
    public enum Subject: Sendable {
        /// A register: `METER_ID` or `METER_ID:L`, with its route's changes and the endpoints
        /// that read it (`HistoryProjection.Link`).
        case register(String)
        /// Every register of a meter, and the endpoints that read it.
        case meter(String)
        /// An account, and its service agreements: the service points it was at.
        case account(String)
        /// A location, its service points, and the registers placed at them.
        case location(String)
        /// A service point, its agreements (the accounts it had), and the registers placed at it.
        case servicePoint(location: String, servicePoint: String)

        /// What its history reads in the history index.
        var selections: [HistoryProjection.Selection] {
            let registers: [EntityKind] = [.register, .route, .other]
            let servicePoints: [EntityKind] = [.servicePoint, .serviceAgreement]
            switch self {
            case .register(let name):
                return [.init(kinds: registers, key: RegisterKey(key: name).description)]
            case .meter(let id):
                return [.init(kinds: registers, key: id), .init(kinds: registers, key: id + ":", prefix: true)]
            case .account(let id):
                return [.init(kinds: [.account], key: id)]
            case .location(let id):
                return [.init(kinds: [.location], key: id), .init(kinds: servicePoints, key: id + "/", prefix: true)]
            case .servicePoint(let location, let point):
                return [.init(kinds: servicePoints, key: ServicePointKey(location: location, servicePoint: point).description)]
            }
        }
    }

    /// Every change to `subject`, oldest first, up to `position` (the whole log when nil).
    public func history(of subject: Subject, asOf position: Int64? = nil) throws -> [HistoryEntry] {
        var entries = try subject.selections.flatMap { try HistoryProjection.entries(of: $0, upTo: position ?? .max, in: storage, coder: coder) }
            .sorted { ($0.position, $0.kind.order) < ($1.position, $1.kind.order) }
        // A revert says why once, in its import's stream: each of its changes says it here.
        var reasons: [UUID: String?] = [:]
        for index in entries.indices where entries[index].reverts {
            let id = entries[index].importID
            if reasons[id] == nil {
                reasons[id] = .some(try events(in: ImportState.stream(id)).lazy.compactMap { try self.coder.decode($0, as: ImportReverted.self) }.first?.reason)
            }
            entries[index].revertReason = reasons[id] ?? nil
        }
        return entries
    }

    /// The configuration periods of `subject` up to `position`: where a register was installed
    /// from when to when, which account a service point had.
    public func periods(of subject: Subject, asOf position: Int64? = nil) throws -> [ConfigurationPeriod] {
        try periods(of: subject, in: try history(of: subject, asOf: position), asOf: position)
    }

    /// The configuration periods that `entries`, the history of `subject` up to `position`,
    /// imply. A service point's (or a location's) registers' periods come from each register's
    /// own history, whose install and removal dates the service point's history does not have,
    /// and are those spent at that service point (or location), under any ID it had.
    public func periods(of subject: Subject, in entries: [HistoryEntry], asOf position: Int64? = nil) throws -> [ConfigurationPeriod] {
        let place: (kind: EntityKind, key: String)
        switch subject {
        case .servicePoint(let location, let point): place = (.servicePoint, ServicePointKey(location: location, servicePoint: point).description)
        case .location(let id): place = (.location, id)
        case .register, .meter, .account: return ConfigurationPeriod.periods(of: entries)
        }
        var names: Set<String> = [place.key]
        for entry in entries where entry.kind == place.kind { names.formUnion([entry.key, entry.previousKey].compactMap { $0 }) }
        func isAtPlace(_ period: ConfigurationPeriod) -> Bool {
            place.kind == .servicePoint ? names.contains(period.configuredKey) : names.contains { period.configuredKey.hasPrefix($0 + "/") }
        }
        var periods = ConfigurationPeriod.periods(of: entries.filter { $0.kind != .register })
        for register in Set(entries.filter { $0.kind == .register }.map(\.key)) {
            periods += try ConfigurationPeriod.periods(of: history(of: .register(register), asOf: position)).filter { $0.kind == .register && isAtPlace($0) }
        }
        return periods.sorted { ($0.fromPosition, $0.subject) < ($1.fromPosition, $1.subject) }
    }

    /// The last position recorded at or before `date`: what "as of" a time means.
    public func position(asOf date: Date) throws -> Int64 {
        try storage.lastPosition(recordedBy: date)
    }
}
