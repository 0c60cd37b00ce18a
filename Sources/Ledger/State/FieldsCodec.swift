import Foundation

/// An entity's fields as the current-state table stores them: sorted names and values, each
/// length-prefixed UTF-8. Loading the state of a 70 MB file's 800,000 entities through a JSON
/// decoder took 20 seconds; through this, a fraction of that.
enum FieldsCodec {
    static func encode(_ fields: [String: String]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 8 })
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            append(name, to: &bytes)
            append(value, to: &bytes)
        }
        return Data(bytes)
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { append($0, to: &bytes) }
    }

    private static func append(_ text: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: text)
    }

    /// Appends one field to `bytes`, as `encode` lays it out: a caller that appends fields in
    /// the order of their names makes what `encode` makes of them, without a dictionary.
    static func append(name: [UInt8], value: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        name.withUnsafeBufferPointer { append($0, to: &bytes) }
        append(value, to: &bytes)
    }

    static func append(name: [UInt8], value: String, to bytes: inout [UInt8]) {
        name.withUnsafeBufferPointer { append($0, to: &bytes) }
        append(value, to: &bytes)
    }

    /// Each field of encoded fields, in their stored order (by name), as UTF-8 bytes.
    static func forEach(in encoded: [UInt8], _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        encoded.withUnsafeBufferPointer { bytes in
            var offset = 0
            func text() -> UnsafeBufferPointer<UInt8> {
                let count = Int(UInt32(littleEndian: UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                defer { offset += 4 + count }
                return UnsafeBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 4 + count)])
            }
            while offset < bytes.count {
                let name = text()
                body(name, text())
            }
        }
    }

    /// One field's value in encoded fields.
    static func value(of name: String, in encoded: [UInt8]) -> String? {
        var found: String?
        let wanted = Array(name.utf8)
        forEach(in: encoded) { fieldName, value in
            if found == nil, fieldName.elementsEqual(wanted) { found = String(decoding: value, as: UTF8.self) }
        }
        return found
    }

    static func decode(_ encoded: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        forEach(in: encoded) { name, value in fields[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self) }
        return fields
    }

    static func decode(_ data: Data) throws -> [String: String] {
        var fields: [String: String] = [:]
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            func text() throws -> String {
                guard offset + 4 <= raw.count else { throw LedgerError(.storage, "A stored entity's fields are cut short.") }
                let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                offset += 4
                guard offset + count <= raw.count else { throw LedgerError(.storage, "A stored entity's fields are cut short.") }
                defer { offset += count }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count)]), as: UTF8.self)
            }
            while offset < raw.count {
                let name = try text()
                fields[name] = try text()
            }
        }
        return fields
    }
}
