import DataExchange
import Foundation

extension Ledger {
    /// What a revert did: the records of the import whose changes it put back, and the entities
    /// those touched.
    public struct RevertOutcome: Sendable {
        public var id: UUID
        public var records: Int
        public var entities: Int
    }

    /// Takes back an imported import: appends, last record first, the changes that put back every
    /// value it set, remove every entity it created and undo every rename it made, then
    /// `ImportReverted`; all in one transaction. Refused, with nothing changed, when a later
    /// change touched what the import set (`RevertConflicts`): reverting the later import first
    /// lets this one go back.
    @discardableResult
    public func revert(_ id: UUID, reason: String, actor: Actor) throws -> RevertOutcome {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw LedgerError(.invalidArgument, "Say why import \(id.lowercasedString) is reverted: the reason goes in its history.") }
        let before = try importState(id)
        try before.decideRevert()
        // The approval appended its records' events between its ImportApproved and its
        // ImportCompleted, holding the log: read there, on two cores, as a replay reads them.
        let importEvents = try storage.events(in: ImportState.stream(id))
        guard let approved = try importEvents.last(where: { try coder.decode($0, as: ImportApproved.self) != nil })?.position,
              let completed = try importEvents.last(where: { try coder.decode($0, as: ImportCompleted.self) != nil })?.position
        else { throw LedgerError(.invalidState, "Import \(id.lowercasedString) has no completed approval to revert.") }
        let records = try storage.reading { snapshot in
            var records: [AppliedRecord] = []
            try forEachAppliedRecord(in: snapshot, from: approved + 1, through: completed - 1) { if $0.importID == id { records.append($0) } }
            return records
        }
        let effects = ImportEffects(records)
        let stream = ImportState.stream(id)
        let revertStream = ImportState.revertStream(id)
        let metadata = EventMetadata(actor: actor)
        return try storage.approving { transaction in
            try transaction.check([stream: .exactly(before.version), revertStream: .noStream])
            let conflicts = try effects.conflicts(with: transaction.tables)
            guard conflicts.isEmpty else { throw RevertConflicts(importID: id, conflicts: conflicts) }

            let chain = try transaction.chain(of: revertStream, metadata: metadata)
            var fold = StateFold(creations: effects.creations)
            fold.reserveCapacity(effects.count)
            var history = HistoryProjection.Batch()
            var events = ChangeEventPipeline(coder: coder, chain: chain)
            func insert(_ recorded: [RecordedEvent], endingAt end: LogChain, of changes: [AppliedRecord]) throws {
                try transaction.insert(recorded, endingAt: end)
                for applied in changes { history.add(applied) }
            }
            var position = chain.position
            for record in records.reversed() {
                position += 1
                let inverse = AppliedRecord(
                    importID: id, record: record.record, line: record.line, position: position,
                    changes: record.changes.reversed().map(ImportEffects.inverse), reverts: true)
                for case .changed(let change) in inverse.changes {
                    // What is removed needs no reading: its row goes, and its links are in the change.
                    if !change.removed { try fold.bringIn(.changed(change), from: transaction.tables) }
                    fold.apply(change, at: position)
                }
                try events.add(inverse, insert: insert)
            }
            try events.finish(insert)
            history.add(from: fold)
            try transaction.tables.write(history)
            try fold.write(to: transaction.tables)
            guard try transaction.append(try coder.event(ImportReverted(importID: id, reason: reason, records: records.count), stream: stream, metadata: metadata)) != nil else {
                throw LedgerError(.storage, "The revert of import \(id.lowercasedString) could not be recorded.")
            }
            return RevertOutcome(id: id, records: records.count, entities: effects.count)
        }
    }
}

/// A revert refused: later changes touched what the import set. Nothing was changed.
public struct RevertConflicts: Error, Sendable, CustomStringConvertible {
    public var importID: UUID
    public var conflicts: [RevertConflict]

    public var description: String {
        "Import \(importID.lowercasedString) cannot be reverted: \(conflicts.count) of the values it set were changed since. Revert the later imports first."
    }
}

/// One value that an import set and that is no longer what it set.
public struct RevertConflict: Sendable, Codable, Equatable {
    public var kind: EntityKind
    public var key: String
    /// The field; nil when the entity itself is gone, or its key is taken again.
    public var field: String?
    /// What the import left it as, and what it is now (nil: no value, or no entity).
    public var imported: String?
    public var now: String?
    /// The import renamed the entity away from `key`, and an entity has that key again.
    public var keyTaken: Bool = false

    /// For people: "Register M1: Meter_Size is "1" now; the import set "0.625"."
    public var description: String {
        let entity = "\(kind.rawValue) \(key)"
        if keyTaken { return "\(entity) exists again: the import renamed it away, and renaming it back would take that key." }
        guard let field else { return "\(entity) is no longer there as the import left it (renamed or removed since)." }
        return "\(entity): \(field) is \(now.map { "\"\($0)\"" } ?? "blank") now; the import set \(imported.map { "\"\($0)\"" } ?? "no value")."
    }
}

/// What an import did to each entity, as its records did it in order: the values it set last,
/// the entities it created and where, under the keys it left them with.
struct ImportEffects {
    private struct Effect {
        var created: Bool
        /// A creation no later record of the import changed: its fields as the state stores
        /// them, and their digest, which the state's digest pages are compared with first.
        var creation: (fields: [UInt8], digest: Int64)?
        /// The fields it set, with the value it left each with (nil: erased); a creation's only
        /// once a later record changed it.
        var fields: [String: String?]

        /// Every field it set: a creation's decoded.
        var allFields: [String: String?] { creation.map { FieldsCodec.decode($0.fields).mapValues { $0 } } ?? fields }

        /// The digest of the fields a created entity must still have; nil for an entity it did not create.
        var createdDigest: Int64? {
            guard created else { return nil }
            return creation?.digest ?? StableHash.fields(fields.compactMap { name, value in value.map { (key: name, value: $0) } })
        }
    }

    private var effects: [EntityKey: Effect] = [:]
    /// The keys the entities it renamed had before it, by the keys it left them with.
    private var renamedFrom: [EntityKey: String] = [:]
    /// Where each entity the import created was created: the history index keeps it once the
    /// entity's row is gone.
    private(set) var creations: [EntityKey: Int64] = [:]

    var count: Int { effects.count }

    init(_ records: [AppliedRecord]) {
        // A first import's records create a million entities: grown as they come, the tables
        // spent most of the time copying themselves.
        let changes = records.reduce(0) { $0 + $1.changes.count }
        effects.reserveCapacity(changes)
        creations.reserveCapacity(changes)
        for record in records {
            for change in record.changes {
                switch change {
                case .created(let kind, let key, let fields, let digest):
                    let entity = EntityKey(kind: kind, key: key)
                    effects[entity] = Effect(created: true, creation: (fields, digest), fields: [:])
                    creations[entity] = record.position
                case .changed(let change):
                    let entity = EntityKey(kind: change.kind, key: change.key)
                    var effect = change.previousKey.flatMap { effects.removeValue(forKey: EntityKey(kind: change.kind, key: $0)) }
                        ?? effects[entity] ?? Effect(created: change.created, fields: [:])
                    if let previousKey = change.previousKey {
                        renamedFrom[entity] = renamedFrom.removeValue(forKey: EntityKey(kind: change.kind, key: previousKey)) ?? previousKey
                        if let created = creations.removeValue(forKey: EntityKey(kind: change.kind, key: previousKey)) { creations[entity] = created }
                    }
                    if change.created, change.previousKey == nil {
                        effect.created = true
                        creations[entity] = record.position
                    }
                    if !change.fields.isEmpty {
                        effect.fields = effect.allFields
                        effect.creation = nil
                        for (name, field) in change.fields { effect.fields[name] = .some(field.new) }
                    }
                    effects[entity] = effect
                }
            }
        }
    }

    /// The values that are no longer what the import left them as: an entity it created must be
    /// exactly as it left it (a value added later would go with it), any other must still hold
    /// each value it set, and an ID it renamed away must be free. A created entity whose stored
    /// digest is the one it left needs no reading: a first import's million entities are
    /// checked in the time the digest pages take to load.
    func conflicts(with tables: any StateTables) throws -> [RevertConflict] {
        let digests = try DigestPages.load(from: tables)
        var toRead: [EntityKey] = []
        for (entity, effect) in effects {
            if let digest = effect.createdDigest, digests[StableHash.entity(entity.kind, entity.key)] == digest { continue }
            toRead.append(entity)
        }
        toRead.sort { ($0.kind.order, $0.key) < ($1.kind.order, $1.key) }
        var conflicts: [RevertConflict] = []
        for start in stride(from: 0, to: toRead.count, by: Self.readBatch) {
            let batch = Array(toRead[start..<min(start + Self.readBatch, toRead.count)])
            let stored = try tables.entities(batch)
            for entity in batch {
                guard let effect = effects[entity] else { continue }
                guard let data = stored[entity] else {
                    conflicts.append(RevertConflict(kind: entity.kind, key: entity.key, field: nil, imported: nil, now: nil))
                    continue
                }
                let now = try FieldsCodec.decode(data)
                let set = effect.allFields
                let names = effect.created ? Set(set.keys).union(now.keys) : Set(set.keys)
                for name in names.sorted() {
                    let imported = set[name] ?? nil
                    if now[name] != imported { conflicts.append(RevertConflict(kind: entity.kind, key: entity.key, field: name, imported: imported, now: now[name])) }
                }
            }
        }
        let original = renamedFrom.filter { $0.key.key != $0.value }.map { EntityKey(kind: $0.key.kind, key: $0.value) }
        for start in stride(from: 0, to: original.count, by: Self.readBatch) {
            let batch = Array(original[start..<min(start + Self.readBatch, original.count)])
            for entity in try tables.entities(batch).keys.sorted(by: { ($0.kind.order, $0.key) < ($1.kind.order, $1.key) }) {
                conflicts.append(RevertConflict(kind: entity.kind, key: entity.key, field: nil, imported: nil, now: nil, keyTaken: true))
            }
        }
        return conflicts
    }

    private static let readBatch = 4_096

    /// The change that puts back what `change` did: a creation's is the entity's removal (with
    /// its links, so that what it linked to sees it go), any other's swaps each field's old and
    /// new value, and a rename's renames back.
    static func inverse(_ change: AppliedChange) -> AppliedChange {
        switch change {
        case .created(let kind, let key, let fields, _):
            return .changed(removal(kind, key) { FieldsCodec.value(of: $0, in: fields) })
        case .changed(let change) where change.created && change.previousKey == nil:
            return .changed(removal(change.kind, change.key) { change.fields[$0]?.new })
        case .changed(let change):
            return .changed(EntityChange(
                kind: change.kind, key: change.previousKey ?? change.key, created: false,
                fields: change.fields.mapValues { FieldChange(old: $0.new, new: $0.old) }, previousKey: change.previousKey.map { _ in change.key }))
        }
    }

    private static func removal(_ kind: EntityKind, _ key: String, field: (String) -> String?) -> EntityChange {
        var links: [String: FieldChange] = [:]
        for name in kind.relationNames { if let value = field(name) { links[name] = FieldChange(old: value, new: nil) } }
        return EntityChange(kind: kind, key: key, created: false, fields: links, removed: true)
    }
}
