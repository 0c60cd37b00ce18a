import Foundation

/// Reads a `RecordApplied` in exactly the form `AppliedRecord.write(to:)` gives it (keys in
/// order, no spaces, new entities' values as plain strings without escapes), a byte at a time
/// and without allocating for what it passes over: a replay reads a million entities like this.
/// Anything else (an escape, a change to a stored entity, a rename, another writer's spacing)
/// returns nil, and `AppliedRecord(json:)` reads the event with `JSONReader` instead.
struct CanonicalRecordReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    /// A change's fields, as where their names and values are in `bytes`; kept between changes.
    private var fields: [(name: Range<Int>, value: Range<Int>)] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        fields.reserveCapacity(32)
    }

    static func read(_ json: UnsafeBufferPointer<UInt8>, position: Int64, names: inout FieldNameCache) -> AppliedRecord? {
        var reader = CanonicalRecordReader(json)
        return reader.record(position: position, names: &names)
    }

    private mutating func record(position: Int64, names: inout FieldNameCache) -> AppliedRecord? {
        guard take("{\"changes\":[") else { return nil }
        var changes: [AppliedChange] = []
        if !take("]") {
            repeat {
                guard let change = creation(names: &names) else { return nil }
                changes.append(change)
            } while take(",")
            guard take("]") else { return nil }
        }
        guard take(",\"importID\":\""), let importID = uuid(), take("\",\"line\":"), let line = integer(),
              take(",\"record\":"), let record = integer(), take("}"), offset == bytes.count
        else { return nil }
        return AppliedRecord(importID: importID, record: record, line: line, position: position, changes: changes)
    }

    /// `{"created":true,"fields":{…},"key":"…","kind":"…"}` with every value a new one.
    private mutating func creation(names: inout FieldNameCache) -> AppliedChange? {
        guard take("{\"created\":true,\"fields\":{") else { return nil }
        fields.removeAll(keepingCapacity: true)
        var length = 1
        if !take("}") {
            repeat {
                guard let name = string(), take(":"), let value = string() else { return nil }
                if let last = fields.last, !bytes[last.name].lexicographicallyPrecedes(bytes[name]) { return nil }
                fields.append((name, value))
                length += name.count + value.count + 4
            } while take(",")
            guard take("}") else { return nil }
        }
        guard take(",\"key\":\""), let keyBytes = plainString(), take(",\"kind\":\""), let kindBytes = plainString(), take("}"),
              let kind = EntityKind.allCases.first(where: { $0.rawValue.utf8.elementsEqual(bytes[kindBytes]) })
        else { return nil }
        var encoded = FieldsCodec.WithDigest(capacity: length)
        for (index, field) in fields.enumerated() {
            let (name, hash) = names.name(UnsafeBufferPointer(rebasing: bytes[field.name]), of: kind, at: index)
            encoded.append(name, hash: hash, value: UnsafeBufferPointer(rebasing: bytes[field.value]))
        }
        let (stored, digest) = encoded.encoded
        return .created(kind: kind, key: String(decoding: UnsafeBufferPointer(rebasing: bytes[keyBytes]), as: UTF8.self), fields: stored, digest: digest)
    }

    /// Consumes `literal` if the input goes on with it.
    private mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count,
              memcmp(bytes.baseAddress! + offset, literal.utf8Start, count) == 0
        else { return false }
        offset += count
        return true
    }

    /// A string's bytes, after its opening quote, when it has no escapes; its closing quote consumed.
    private mutating func plainString() -> Range<Int>? {
        let start = offset
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                offset += 1
                return start..<(offset - 1)
            case UInt8(ascii: "\\"), 0..<0x20: return nil
            default: offset += 1
            }
        }
        return nil
    }

    /// A quoted string without escapes.
    private mutating func string() -> Range<Int>? {
        guard take("\"") else { return nil }
        return plainString()
    }

    private mutating func integer() -> Int? {
        let start = offset
        var value = 0
        while offset < bytes.count, offset - start < 18, (0x30...0x39).contains(bytes[offset]) {
            value = value * 10 + Int(bytes[offset] - 0x30)
            offset += 1
        }
        return offset > start ? value : nil
    }

    /// An upper-case UUID as `JSONWriter.uuid` writes it. `UUID(uuidString:)` goes through
    /// `sscanf`, which took a tenth of a replay's reading.
    private mutating func uuid() -> UUID? {
        guard offset + 36 <= bytes.count else { return nil }
        var octets = [UInt8](repeating: 0, count: 16)
        var index = 0
        for position in 0..<36 {
            let byte = bytes[offset + position]
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: return nil
            }
            octets[index / 2] |= index % 2 == 0 ? digit << 4 : digit
            index += 1
        }
        offset += 36
        return octets.withUnsafeBytes { UUID(uuid: $0.load(as: uuid_t.self)) }
    }
}
