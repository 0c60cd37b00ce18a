import Foundation

/// An entity's fields as the current-state table stores them, in the order of their names. Since
/// format 2 (a first byte of 0xFE): each field is its name's number in `FieldNames` (plus one),
/// or 0 and the name itself, then its value; lengths and numbers are LEB128 varints. Names were
/// most of the bytes of a first import's million rows. Before it, each name and value was a
/// 32-bit length and its bytes; both are read. Loading the state of a 70 MB file's 800,000
/// entities through a JSON decoder took 20 seconds; through this, a fraction of that.
enum FieldsCodec {
    private static let format2: UInt8 = 0xFE

    /// A field name as format 2 writes it, made once per column.
    struct Name: Sendable {
        let text: String
        let encoded: [UInt8]

        init(_ text: String) {
            self.text = text
            var encoded: [UInt8] = []
            if let number = FieldNames.numbers[text] {
                FieldsCodec.appendVarint(number + 1, to: &encoded)
            } else {
                encoded.append(0)
                FieldsCodec.appendVarint(text.utf8.count, to: &encoded)
                encoded.append(contentsOf: text.utf8)
            }
            self.encoded = encoded
        }
    }

    /// Encoded fields built a field at a time; a caller that appends fields in the order of their
    /// names makes what `encode` makes of them, without a dictionary.
    struct Builder {
        private var bytes: [UInt8] = [FieldsCodec.format2]

        init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

        mutating func append(_ name: Name, value: UnsafeBufferPointer<UInt8>) {
            bytes.append(contentsOf: name.encoded)
            FieldsCodec.appendVarint(value.count, to: &bytes)
            bytes.append(contentsOf: value)
        }

        mutating func append(_ name: Name, value: String) {
            var value = value
            value.withUTF8 { append(name, value: $0) }
        }

        /// No fields at all encode as nothing.
        var encoded: [UInt8] { bytes.count == 1 ? [] : bytes }
    }

    /// A new entity's fields, encoded as the state stores them, with their digest made on the
    /// way (`FieldsDigest`, as `StableHash.fields` makes it), so that the two always agree. The
    /// fields come in the order of their names, each with its name's `StableHash`.
    struct WithDigest {
        private var builder: Builder
        private var digest = FieldsDigest()

        init(capacity: Int = 256) { builder = Builder(capacity: capacity) }

        mutating func append(_ name: Name, hash: StableHash, value: UnsafeBufferPointer<UInt8>) {
            builder.append(name, value: value)
            digest.add(hash, value)
        }

        mutating func append(_ name: Name, hash: StableHash, value: String) {
            var value = value
            value.withUTF8 { append(name, hash: hash, value: $0) }
        }

        var encoded: (fields: [UInt8], digest: Int64) { (builder.encoded, digest.value) }
    }

    static func encode(_ fields: [String: String]) -> [UInt8] {
        var builder = Builder(capacity: fields.reduce(1) { $0 + $1.value.utf8.count + 3 })
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { builder.append(Name(name), value: value) }
        return builder.encoded
    }

    /// The number `appendVarint` wrote at `offset`, which moves past it; nil when the bytes end first.
    @inline(__always)
    static func readVarint(in bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> Int? {
        var value = 0
        var shift = 0
        while offset < bytes.count, shift < 63 {
            let byte = bytes[offset]
            offset += 1
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    static func appendVarint(_ value: Int, to bytes: inout [UInt8]) {
        var value = UInt(value)
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Each field in its stored order (by name), as UTF-8 bytes; false when the bytes are cut
    /// short or name a field number no version of the list had.
    @discardableResult
    static func forEach(
        in encoded: UnsafeRawBufferPointer, _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void
    ) -> Bool {
        forEach(in: encoded) { _, name, value in body(name, value) }
    }

    /// Each field, with its name's number in `FieldNames` where the bytes give one: a reader that
    /// wants to know which field it is can look the number up rather than hash the name.
    @inline(__always)
    static func forEach(
        in encoded: UnsafeRawBufferPointer,
        numbered body: (_ number: Int?, _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void
    ) -> Bool {
        let bytes = encoded.bindMemory(to: UInt8.self)
        guard let first = bytes.first else { return true }
        var offset = 0
        func varint() -> Int? { readVarint(in: bytes, at: &offset) }
        func fixed() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return Int(UInt32(littleEndian: encoded.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        }
        func text(_ count: Int?) -> UnsafeBufferPointer<UInt8>? {
            guard let count, offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
        }
        if first == format2 {
            offset = 1
            while offset < bytes.count {
                guard let number = varint() else { return false }
                if number == 0 {
                    guard let name = text(varint()), let value = text(varint()) else { return false }
                    body(nil, name, value)
                } else {
                    guard number <= FieldNames.bytes.count, let value = text(varint()) else { return false }
                    FieldNames.bytes[number - 1].withUnsafeBufferPointer { body(number - 1, $0, value) }
                }
            }
        } else {
            while offset < bytes.count {
                guard let name = text(fixed()), let value = text(fixed()) else { return false }
                body(nil, name, value)
            }
        }
        return true
    }

    /// Encoded fields made in this process (trusted), field by field.
    static func forEach(in encoded: [UInt8], _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        let complete = encoded.withUnsafeBytes { forEach(in: $0, body) }
        precondition(complete, "Encoded fields made in this process are whole.")
    }

    /// One field's value in encoded fields.
    static func value(of name: String, in encoded: [UInt8]) -> String? {
        var found: String?
        var name = name
        name.withUTF8 { wanted in
            forEach(in: encoded) { fieldName, value in
                if found == nil, fieldName.elementsEqual(wanted) { found = String(decoding: value, as: UTF8.self) }
            }
        }
        return found
    }

    /// Encoded fields made in this process (trusted).
    static func decode(_ encoded: [UInt8]) -> [String: String] {
        let fields = encoded.withUnsafeBytes(decoded)
        precondition(fields != nil, "Encoded fields made in this process are whole.")
        return fields ?? [:]
    }

    /// Fields as the state table holds them, in either format.
    static func decode(_ data: Data) throws -> [String: String] {
        guard let fields = data.withUnsafeBytes(decoded) else { throw LedgerError(.storage, "A stored entity's fields are cut short.") }
        return fields
    }

    /// The fields, nil when the bytes are not whole.
    private static func decoded(_ encoded: UnsafeRawBufferPointer) -> [String: String]? {
        var fields: [String: String] = [:]
        let complete = forEach(in: encoded) { name, value in fields[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self) }
        return complete ? fields : nil
    }
}
