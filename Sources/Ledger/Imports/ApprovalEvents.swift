import Foundation

/// A person approved an import; its changes follow in the same transaction.
public struct ImportApproved: EventPayload, Equatable {
    public static let type = "ImportApproved"
    public static let schemaVersion = 1
    public var importID: UUID
    /// The ledger had changed since the dry run, so the file was scanned again first.
    public var rescanned: Bool
    /// The policy that approved it, without a person; nil when a person did.
    public var policy: ApprovalPolicy?
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
    /// The changes put back what record `record` of import `importID` changed: its revert.
    public var reverts: Bool?
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
    /// The changes put back what the record changed (`RecordApplied.reverts`).
    var reverts: Bool

    init(importID: UUID, record: Int, line: Int, position: Int64, changes: [AppliedChange], reverts: Bool = false) {
        self.importID = importID
        self.record = record
        self.line = line
        self.position = position
        self.changes = changes
        self.reverts = reverts
    }

    init(_ applied: RecordApplied, at position: Int64) {
        self.init(
            importID: applied.importID, record: applied.record, line: applied.line, position: position,
            changes: applied.changes.map(AppliedChange.changed), reverts: applied.reverts ?? false)
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
            case .created(_, _, let fields, _):
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
            if case .changed(let change) = change, change.removed { json.raw(",\"removed\":true") }
            json.raw("}")
        }
        json.raw("],\"importID\":")
        json.uuid(importID)
        json.raw(",\"line\":")
        json.number(line)
        json.raw(",\"record\":")
        json.number(record)
        if reverts { json.raw(",\"reverts\":true") }
        json.raw("}")
    }
}

extension AppliedRecord {
    /// Reads the JSON of a `RecordApplied` at its current schema version: each new entity's
    /// fields straight into their stored layout, the other changes as `EntityChange`s. Throws
    /// `JSONReader.Malformed` for anything else.
    init(json: UnsafeBufferPointer<UInt8>, position: Int64, names: inout FieldNameCache) throws {
        if let record = CanonicalRecordReader.read(json, position: position, names: &names) {
            self = record
        } else {
            try self.init(anyJSON: json, position: position, names: &names)
        }
    }

    /// Reads the JSON of a `RecordApplied` as any JSON writer may have written it.
    init(anyJSON json: UnsafeBufferPointer<UInt8>, position: Int64, names: inout FieldNameCache) throws {
        var reader = JSONReader(json)
        var importID: UUID?
        var record: Int?
        var line: Int?
        var reverts = false
        var changes: [AppliedChange] = []
        try reader.object { reader, key in
            switch key {
            case "changes": try reader.array { reader in changes.append(try AppliedChange(reading: &reader, names: &names)) }
            case "importID": importID = UUID(uuidString: try reader.string())
            case "record": record = try reader.integer()
            case "line": line = try reader.integer()
            case "reverts": reverts = try reader.bool()
            default: throw JSONReader.Malformed()
            }
        }
        try reader.end()
        guard let importID, let record, let line else { throw JSONReader.Malformed() }
        self.init(importID: importID, record: record, line: line, position: position, changes: changes, reverts: reverts)
    }
}

/// The field names a replay reads, each made into its stored form once: the names of a kind's
/// fields come in the same order record after record, so a name is looked for where it was last.
struct FieldNameCache: Sendable {
    private var names: [[(bytes: [UInt8], name: FieldsCodec.Name, hash: StableHash)]] = Array(repeating: [], count: EntityKind.allCases.count)

    mutating func name(_ bytes: UnsafeBufferPointer<UInt8>, of kind: EntityKind, at index: Int) -> (name: FieldsCodec.Name, hash: StableHash) {
        if index < names[kind.order].count, names[kind.order][index].bytes.withUnsafeBufferPointer({ known in
            known.count == bytes.count && (known.isEmpty || memcmp(known.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }) {
            return (names[kind.order][index].name, names[kind.order][index].hash)
        }
        var hash = StableHash()
        hash.combine(bytes)
        let entry = (Array(bytes), FieldsCodec.Name(String(decoding: bytes, as: UTF8.self)), hash)
        if index < names[kind.order].count { names[kind.order][index] = entry } else { names[kind.order].append(entry) }
        return (entry.1, entry.2)
    }
}

/// One entity's change in an `AppliedRecord`.
enum AppliedChange: Sendable {
    /// A new entity and its fields, encoded as the state stores them.
    case created(kind: EntityKind, key: String, fields: [UInt8], digest: Int64)
    case changed(EntityChange)

    var kind: EntityKind {
        switch self {
        case .created(let kind, _, _, _): kind
        case .changed(let change): change.kind
        }
    }

    var key: String {
        switch self {
        case .created(_, let key, _, _): key
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

    /// One change of a `RecordApplied`'s JSON: a creation whose fields are all new values, in the
    /// order of their names, stays encoded (its digest beside it); any other as an `EntityChange`.
    fileprivate init(reading reader: inout JSONReader, names: inout FieldNameCache) throws {
        var created: Bool?
        var kind: EntityKind?
        var key: String?
        var previousKey: String?
        var removed = false
        // The fields in the order read: a name, and its old and new value.
        var fields: [(name: JSONReader.Text, old: JSONReader.Text??, new: JSONReader.Text?)] = []
        try reader.object { reader, member in
            switch member {
            case "created": created = try reader.bool()
            case "kind": kind = EntityKind(rawValue: try reader.string())
            case "key": key = try reader.string()
            case "previousKey": previousKey = try reader.null() ? nil : try reader.string()
            case "removed": removed = try reader.bool()
            case "fields":
                try reader.objectOfTexts { reader, name in
                    func value(_ reader: inout JSONReader) throws -> JSONReader.Text? { try reader.null() ? nil : try reader.text() }
                    if try reader.peek() == UInt8(ascii: "[") {
                        var pair: [JSONReader.Text?] = []
                        try reader.array { reader in pair.append(try value(&reader)) }
                        guard pair.count == 2 else { throw JSONReader.Malformed() }
                        fields.append((name, .some(pair[0]), pair[1]))
                    } else {
                        guard let new = try value(&reader) else { throw JSONReader.Malformed() }
                        fields.append((name, .none, new))
                    }
                }
            default: throw JSONReader.Malformed()
            }
        }
        guard let created, let kind, let key else { throw JSONReader.Malformed() }
        func string(_ text: JSONReader.Text) -> String { text.withBytes { String(decoding: $0, as: UTF8.self) } }
        let inOrder = zip(fields, fields.dropFirst()).allSatisfy { pair in
            pair.0.name.withBytes { first in pair.1.name.withBytes { second in first.lexicographicallyPrecedes(second) } }
        }
        if created, previousKey == nil, !removed, inOrder, fields.allSatisfy({ $0.old == nil && $0.new != nil }) {
            var encoded = FieldsCodec.WithDigest()
            for (index, field) in fields.enumerated() {
                let (name, hash) = field.name.withBytes { names.name($0, of: kind, at: index) }
                (field.new ?? .unescaped([])).withBytes { encoded.append(name, hash: hash, value: $0) }
            }
            let (stored, digest) = encoded.encoded
            self = .created(kind: kind, key: key, fields: stored, digest: digest)
            return
        }
        var changes: [String: FieldChange] = [:]
        for field in fields {
            changes[string(field.name)] = FieldChange(old: field.old.flatMap { $0 }.map(string), new: field.new.map(string))
        }
        self = .changed(EntityChange(kind: kind, key: key, created: created, fields: changes, previousKey: previousKey, removed: removed))
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
