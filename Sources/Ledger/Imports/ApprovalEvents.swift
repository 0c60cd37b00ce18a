import Foundation

/// A person approved an import; its changes follow in the same transaction.
public struct ImportApproved: EventPayload, Equatable {
    public static let type = "ImportApproved"
    public static let schemaVersion = 1
    public var importID: UUID
    /// The ledger had changed since the dry run, so the file was scanned again first.
    public var rescanned: Bool
}

/// What one record of an approved import changed, entity by entity, field by field; for an ID
/// Update file, the entities it renamed and the links to them that follow.
public struct RecordApplied: EventPayload, Equatable {
    public static let type = "RecordApplied"
    public static let schemaVersion = 1
    public var importID: UUID
    public var record: Int
    public var line: Int
    public var changes: [EntityChange]
}

extension RecordApplied: JSONWritable {
    func write(to json: inout JSONWriter) { AppliedRecord(self, at: 0).write(to: &json) }
}

/// What an approval works out a record changed, as it writes it to the log: a `RecordApplied`
/// whose created entities keep their fields as the state stores them (`FieldsCodec`), so that
/// the million entities of a first import are written to the log and the state without a
/// dictionary each.
struct AppliedRecord: Sendable, JSONWritable {
    var importID: UUID
    var record: Int
    var line: Int
    /// Where in the log its event is (not part of the event).
    var position: Int64
    var changes: [AppliedChange]

    init(importID: UUID, record: Int, line: Int, position: Int64, changes: [AppliedChange]) {
        self.importID = importID
        self.record = record
        self.line = line
        self.position = position
        self.changes = changes
    }

    init(_ applied: RecordApplied, at position: Int64) {
        self.init(
            importID: applied.importID, record: applied.record, line: applied.line, position: position,
            changes: applied.changes.map(AppliedChange.changed))
    }

    /// The JSON `EventCoder` writes for the `RecordApplied` it stands for.
    func write(to json: inout JSONWriter) {
        json.raw("{\"changes\":[")
        for (index, change) in changes.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"created\":")
            json.bool(change.created)
            json.raw(",\"fields\":{")
            switch change {
            case .created(_, _, let fields):
                var first = true
                FieldsCodec.forEach(in: fields) { name, value in
                    if !first { json.raw(",") }
                    first = false
                    json.string(name)
                    json.raw(":")
                    json.string(value)
                }
            case .changed(let change):
                for (index, (name, field)) in change.fields.sorted(by: { $0.key < $1.key }).enumerated() {
                    if index > 0 { json.raw(",") }
                    json.string(name)
                    json.raw(":")
                    if field.old == nil, let new = field.new {
                        json.string(new)
                    } else {
                        json.raw("[")
                        json.string(field.old)
                        json.raw(",")
                        json.string(field.new)
                        json.raw("]")
                    }
                }
            }
            json.raw("},\"key\":")
            json.string(change.key)
            json.raw(",\"kind\":")
            json.string(change.kind.rawValue)
            if let previousKey = change.previousKey {
                json.raw(",\"previousKey\":")
                json.string(previousKey)
            }
            json.raw("}")
        }
        json.raw("],\"importID\":")
        json.uuid(importID)
        json.raw(",\"line\":")
        json.number(line)
        json.raw(",\"record\":")
        json.number(record)
        json.raw("}")
    }
}

/// One entity's change in an `AppliedRecord`.
enum AppliedChange: Sendable {
    /// A new entity and its fields, encoded as the state stores them.
    case created(kind: EntityKind, key: String, fields: [UInt8])
    case changed(EntityChange)

    var kind: EntityKind {
        switch self {
        case .created(let kind, _, _): kind
        case .changed(let change): change.kind
        }
    }

    var key: String {
        switch self {
        case .created(_, let key, _): key
        case .changed(let change): change.key
        }
    }

    var created: Bool {
        switch self {
        case .created: true
        case .changed(let change): change.created
        }
    }

    var previousKey: String? {
        switch self {
        case .created: nil
        case .changed(let change): change.previousKey
        }
    }
}

/// The end of an approved import: every record either changed something, changed nothing, or
/// was skipped because its errors blocked all of it.
public struct ImportCompleted: EventPayload, Equatable {
    public static let type = "ImportCompleted"
    public static let schemaVersion = 1
    public var importID: UUID
    public var imported: Int
    public var unchanged: Int
    public var skipped: Int
}
