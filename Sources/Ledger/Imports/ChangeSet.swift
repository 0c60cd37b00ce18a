import DataExchange
import Foundation

/// Puts each entity change of an import's records in its `ChangeGroup`, counts them, and writes
/// them as lines (`ChangeSetReader` reads them back): the dry run's change preview, which the
/// approval applies, and the counts of what an approval that worked its changes out applied.
///
/// A line is encoded in a few bytes plus its values; a new entity's fields stay as the state
/// stores them (`FieldsCodec`), so a first import's million new entities are copied, not
/// re-encoded.
struct ChangeSetBuilder {
    private(set) var counts = ChangeCounts()
    /// Where the lines go; nil when only their counts are wanted.
    private let output: OutputFile?
    private var line: [UInt8] = []
    /// The meters of each meter group: a compound meter's two registers count as one meter.
    private var meters: [ChangeGroup: Set<String>] = [:]
    /// An ID Update file: every change is a rename or a link that follows one.
    private var renames = false

    init(output: OutputFile?, renames: Bool = false) {
        self.output = output
        self.renames = renames
    }

    /// Writes what is buffered of the lines.
    func flush() throws { try output?.flush() }

    mutating func read(_ header: Header) { renames = header.specification.kind == .idUpdate }

    /// Counts the components of a ready record that its errors block.
    mutating func count(_ record: ScannedRecord) {
        if record.isReady { counts.blockedComponents += record.blocked.members.count }
    }

    /// Takes the calculator's count of the records that change nothing and of those skipped.
    mutating func finish(_ calculator: ChangeCalculator) throws {
        counts.unchanged = calculator.unchanged
        counts.skipped = calculator.skipped
        try output?.flush()
    }

    mutating func add(_ applied: AppliedRecord) throws {
        var createdThere: Set<EntityKind> = []
        for change in applied.changes {
            let group = group(of: change, createdThere: createdThere)
            if change.created { createdThere.insert(change.kind) }
            try add(change, group: group, of: applied)
        }
    }

    /// The group of one entity's change; `createdThere` names the kinds the record created
    /// before it (a record lists its kinds in their order).
    private func group(of change: AppliedChange, createdThere: Set<EntityKind>) -> ChangeGroup {
        if renames || change.previousKey != nil { return .renamed }
        if change.created {
            switch change.kind {
            case .account: return .accountOpened
            case .location, .servicePoint: return .newService
            case .serviceAgreement: return createdThere.contains(.servicePoint) ? .newService : .accountChange
            case .register: return .meterInstalled
            case .endpoint: return .endpointInstalled
            case .route, .other: return createdThere.contains(.register) ? .meterInstalled : .fieldsUpdated
            }
        }
        guard case .changed(let entity) = change else { return .fieldsUpdated }
        let links = entity.kind.relationNames.compactMap { entity.fields[$0] }
        if !links.isEmpty {
            let takenOff = links.allSatisfy { $0.new == nil }
            let moved = links.contains { $0.old != nil }
            switch entity.kind {
            case .register: return takenOff ? .meterChangeOut : moved ? .meterMoved : .meterInstalled
            case .endpoint: return takenOff ? .endpointSwapped : moved ? .endpointMoved : .endpointInstalled
            case .serviceAgreement: return .accountChange
            default: break
            }
        }
        return entity.fields.values.allSatisfy { $0.new == nil } ? .cleared : .fieldsUpdated
    }

    private mutating func add(_ change: AppliedChange, group: ChangeGroup, of applied: AppliedRecord) throws {
        counts.lines += 1
        if change.kind == group.subject || (group == .renamed && change.previousKey != nil) {
            if change.kind == .register {
                if meters[group, default: []].insert(RegisterKey(key: change.key).meter).inserted { counts.groups[group.rawValue, default: 0] += 1 }
            } else {
                counts.groups[group.rawValue, default: 0] += 1
            }
        }
        line.removeAll(keepingCapacity: true)
        FieldsCodec.appendVarint(applied.record, to: &line)
        FieldsCodec.appendVarint(applied.line, to: &line)
        line.append(UInt8(ChangeGroup.allCases.firstIndex(of: group)!))
        line.append(UInt8(change.kind.order))
        Self.append(change.key, to: &line)
        Self.append(change.previousKey, to: &line)
        switch change {
        case .created(_, _, let fields, let fieldsDigest):
            line.append(Form.encoded.rawValue)
            withUnsafeBytes(of: fieldsDigest.littleEndian) { line.append(contentsOf: $0) }
            FieldsCodec.appendVarint(fields.count, to: &line)
            line.append(contentsOf: fields)
        case .changed(let entity):
            line.append(entity.created ? Form.createdFields.rawValue : Form.changedFields.rawValue)
            let fields = entity.fields.sorted { $0.key < $1.key }
            FieldsCodec.appendVarint(fields.count, to: &line)
            // A meter or endpoint taken off gets its removal date with its links: not a field update.
            let counted = !entity.created && group != .meterChangeOut && group != .endpointSwapped
            for (name, field) in fields {
                Self.append(name, to: &line)
                Self.append(field.old, to: &line)
                Self.append(field.new, to: &line)
                guard counted, !entity.kind.relationNames.contains(name) else { continue }
                if field.new == nil {
                    counts.clearedColumns[name, default: 0] += 1
                } else {
                    counts.updatedColumns[name, default: 0] += 1
                }
            }
        }
        try output?.write(line)
    }

    /// How a line gives its fields.
    enum Form: UInt8 {
        /// A new entity's fields as the state stores them, after their digest.
        case encoded
        /// A new entity's fields, each a new value.
        case createdFields
        /// Each field's old and new value.
        case changedFields
    }

    /// Text, or its absence: its UTF-8 length plus one (zero for none), then its bytes.
    private static func append(_ text: String?, to bytes: inout [UInt8]) {
        guard var text else { return bytes.append(0) }
        text.withUTF8 { utf8 in
            FieldsCodec.appendVarint(utf8.count + 1, to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }
}

/// Reads the lines a `ChangeSetBuilder` wrote. A line's fields are decoded only when it is
/// wanted: a page of a first import's million lines skips the others on their first bytes.
struct ChangeSetReader {
    /// Mapped, not read: a first import's lines are tens of megabytes, and a page wants a few.
    private let data: Data

    init(contentsOf url: URL) throws {
        data = try Data(contentsOf: url, options: .alwaysMapped)
    }

    private func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try data.withUnsafeBytes { try body($0.bindMemory(to: UInt8.self)) }
    }

    struct Malformed: Error {}

    /// Each line of `group` (any when nil) changing `column` of an entity that was there before
    /// (any when nil), in file order, until
    /// `body` returns false; `body` is given the line's number among those and, for the lines
    /// `wanted` says, the line decoded.
    func forEach(group: ChangeGroup?, column: String?, wanted: (Int) -> Bool = { _ in true }, _ body: (Int, ChangeLine?) throws -> Bool) throws {
        // An empty name: every line touches it.
        var wantedColumn = column ?? ""
        try wantedColumn.withUTF8 { column in
            try withBytes { bytes in
                var cursor = Cursor(bytes: bytes)
                var matched = 0
                while !cursor.atEnd {
                    let header = try cursor.header()
                    let fieldsStart = cursor.offset
                    let touches = try cursor.skipFields(form: header.form, lookingFor: column)
                    guard group.map({ $0 == header.group }) ?? true, touches else { continue }
                    defer { matched += 1 }
                    var line: ChangeLine?
                    if wanted(matched) {
                        var reread = Cursor(bytes: bytes, offset: fieldsStart)
                        line = ChangeLine(
                            group: header.group, kind: header.kind, entity: header.entity, record: header.record, line: header.line,
                            created: header.form != .changedFields, previousEntity: header.previous, fields: try reread.fields(form: header.form))
                    }
                    guard try body(matched, line) else { return }
                }
            }
        }
    }

    /// Each record's changes, in file order, as the approval appends them; `progress` is told
    /// how much of the lines was read, from 0 to 1.
    func forEachRecord(progress: (Double) -> Void = { _ in }, _ body: (_ record: Int, _ line: Int, _ changes: [AppliedChange]) throws -> Void) throws {
        try withBytes { bytes in
            var cursor = Cursor(bytes: bytes)
            var current: (record: Int, line: Int, changes: [AppliedChange])?
            var reported = 0
            while !cursor.atEnd {
                let header = try cursor.header()
                let change = try cursor.change(header)
                if let record = current, record.record == header.record {
                    current?.changes.append(change)
                } else {
                    if let record = current { try body(record.record, record.line, record.changes) }
                    current = (header.record, header.line, [change])
                }
                if cursor.offset - reported > 1 << 20 {
                    reported = cursor.offset
                    progress(Double(reported) / Double(bytes.count))
                }
            }
            if let record = current { try body(record.record, record.line, record.changes) }
        }
    }

    /// The lines `forEach` finds from `offset`, at most `limit`, and how many it finds in all.
    func page(group: ChangeGroup?, column: String?, offset: Int, limit: Int, counts: ChangeCounts) throws -> ChangePage {
        var page = ChangePage(counts: counts, total: 0, offset: offset, lines: [])
        try forEach(group: group, column: column, wanted: { $0 >= offset && $0 < offset + limit }) { number, line in
            if let line { page.lines.append(line) }
            page.total = number + 1
            return true
        }
        return page
    }

    /// Reads a line's parts from the bytes.
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }

        struct Header {
            var record: Int, line: Int, group: ChangeGroup, kind: EntityKind, entity: String, previous: String?, form: ChangeSetBuilder.Form
        }

        mutating func header() throws -> Header {
            let record = try varint()
            let line = try varint()
            let groupIndex = Int(try byte())
            let kindIndex = Int(try byte())
            guard groupIndex < ChangeGroup.allCases.count, kindIndex < EntityKind.allCases.count else { throw Malformed() }
            let entity = try text() ?? ""
            let previous = try text()
            guard let form = ChangeSetBuilder.Form(rawValue: try byte()) else { throw Malformed() }
            return Header(
                record: record, line: line, group: ChangeGroup.allCases[groupIndex], kind: EntityKind.allCases[kindIndex], entity: entity,
                previous: previous, form: form)
        }

        /// Moves past the line's fields; whether it changes the value of `column` of an entity
        /// that was there before (an empty name: any line), as the counts by column count.
        mutating func skipFields(form: ChangeSetBuilder.Form, lookingFor column: UnsafeBufferPointer<UInt8>) throws -> Bool {
            var found = column.isEmpty
            switch form {
            case .encoded:
                _ = try span(8)
                _ = try span(try varint())
            case .createdFields, .changedFields:
                for _ in 0..<(try varint()) {
                    let name = try textSpan()
                    if !found, form == .changedFields, let name, name.elementsEqual(column) { found = true }
                    _ = try textSpan()
                    _ = try textSpan()
                }
            }
            return found
        }

        mutating func fields(form: ChangeSetBuilder.Form) throws -> [ChangeLine.Field] {
            switch form {
            case .encoded:
                _ = try span(8)
                var fields: [ChangeLine.Field] = []
                FieldsCodec.forEach(in: UnsafeRawBufferPointer(try span(try varint()))) { name, value in
                    fields.append(ChangeLine.Field(column: String(decoding: name, as: UTF8.self), old: nil, new: String(decoding: value, as: UTF8.self)))
                }
                return fields
            case .createdFields, .changedFields:
                return try (0..<(try varint())).map { _ in ChangeLine.Field(column: try text() ?? "", old: try text(), new: try text()) }
            }
        }

        /// The line's change as the approval applies it.
        mutating func change(_ header: Header) throws -> AppliedChange {
            switch header.form {
            case .encoded:
                let littleEndian = try span(8)
                let digest = (0..<8).reduce(UInt64(0)) { $0 | UInt64(littleEndian[$1]) << (8 * $1) }
                let fields = Array(try span(try varint()))
                return .created(kind: header.kind, key: header.entity, fields: fields, digest: Int64(bitPattern: digest))
            case .createdFields, .changedFields:
                var fields: [String: FieldChange] = [:]
                for _ in 0..<(try varint()) { fields[try text() ?? ""] = FieldChange(old: try text(), new: try text()) }
                return .changed(EntityChange(kind: header.kind, key: header.entity, created: header.form == .createdFields, fields: fields, previousKey: header.previous))
            }
        }

        private mutating func varint() throws -> Int {
            guard let value = FieldsCodec.readVarint(in: bytes, at: &offset) else { throw Malformed() }
            return value
        }

        private mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw Malformed() }
            defer { offset += 1 }
            return bytes[offset]
        }

        private mutating func span(_ count: Int) throws -> UnsafeBufferPointer<UInt8> {
            guard count >= 0, offset + count <= bytes.count else { throw Malformed() }
            defer { offset += count }
            return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
        }

        /// Text as `ChangeSetBuilder.append` wrote it; nil for none.
        private mutating func textSpan() throws -> UnsafeBufferPointer<UInt8>? {
            let count = try varint()
            return count == 0 ? nil : try span(count - 1)
        }

        private mutating func text() throws -> String? { try textSpan().map { String(decoding: $0, as: UTF8.self) } }
    }
}
