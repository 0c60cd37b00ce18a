/// Reads compact JSON straight from bytes, for the one payload there are millions of (a replay
/// reads every `RecordApplied`, and `JSONDecoder` spent most of the replay on them). It reads
/// what any JSON writer makes of the payload, keys in any order; anything else is a
/// `JSONReader.Malformed`, and the caller reads the event the general way.
struct JSONReader {
    struct Malformed: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func skipSpaces() {
        while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09 { offset += 1 }
    }

    /// The next byte that is not a space, not consumed.
    mutating func peek() throws -> UInt8 {
        skipSpaces()
        guard offset < bytes.count else { throw Malformed() }
        return bytes[offset]
    }

    mutating func expect(_ byte: UInt8) throws {
        guard try peek() == byte else { throw Malformed() }
        offset += 1
    }

    /// Consumes `byte` if it comes next.
    mutating func take(_ byte: UInt8) throws -> Bool {
        guard try peek() == byte else { return false }
        offset += 1
        return true
    }

    /// The members of an object, each key given to `member`, which reads its value.
    mutating func object(_ member: (inout JSONReader, _ key: String) throws -> Void) throws {
        try objectOfTexts { reader, key in try member(&reader, key.withBytes { String(decoding: $0, as: UTF8.self) }) }
    }

    /// The members of an object whose keys are kept as `Text` (a record's field names, read
    /// millions of times in a replay).
    mutating func objectOfTexts(_ member: (inout JSONReader, _ key: Text) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if try take(UInt8(ascii: "}")) { return }
        repeat {
            let key = try text()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while try take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// The elements of an array, each read by `element`.
    mutating func array(_ element: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if try take(UInt8(ascii: "]")) { return }
        repeat { try element(&self) } while try take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    mutating func bool() throws -> Bool {
        if try literal("true") { return true }
        if try literal("false") { return false }
        throw Malformed()
    }

    /// `null` if it comes next, consumed.
    mutating func null() throws -> Bool { try literal("null") }

    private mutating func literal(_ text: StaticString) throws -> Bool {
        _ = try peek()
        let count = text.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        let matches = text.withUTF8Buffer { literal in (0..<count).allSatisfy { bytes[offset + $0] == literal[$0] } }
        if matches { offset += count }
        return matches
    }

    mutating func integer() throws -> Int {
        _ = try peek()
        var negative = false
        if bytes[offset] == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        let start = offset
        var value = 0
        while offset < bytes.count, bytes[offset] >= 0x30, bytes[offset] <= 0x39 {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw Malformed() }
            value = times + Int(bytes[offset] - 0x30)
            offset += 1
        }
        guard offset > start else { throw Malformed() }
        return negative ? -value : value
    }

    /// A string's UTF-8 bytes: where they are in the input when it has no escapes (most), else
    /// read into an array. Valid as long as the input is.
    enum Text {
        case inPlace(UnsafeBufferPointer<UInt8>)
        case unescaped([UInt8])

        func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
            switch self {
            case .inPlace(let bytes): try body(bytes)
            case .unescaped(let bytes): try bytes.withUnsafeBufferPointer(body)
            }
        }
    }

    mutating func text() throws -> Text {
        try expect(UInt8(ascii: "\""))
        let start = offset
        var end = offset
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            offset = end + 1
            return .inPlace(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
        // Escapes: read again from the opening quote, unescaping.
        offset = start - 1
        var utf8: [UInt8] = []
        try string(into: &utf8)
        return .unescaped(utf8)
    }

    mutating func string() throws -> String {
        var utf8: [UInt8] = []
        try string(into: &utf8)
        return String(decoding: utf8, as: UTF8.self)
    }

    /// A string's UTF-8 bytes, appended to `utf8`; the escapes read.
    mutating func string(into utf8: inout [UInt8]) throws {
        try expect(UInt8(ascii: "\""))
        var start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                offset += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                offset += 1
                try escape(into: &utf8)
                start = offset
            } else {
                offset += 1
            }
        }
        throw Malformed()
    }

    private mutating func escape(into utf8: inout [UInt8]) throws {
        guard offset < bytes.count else { throw Malformed() }
        let byte = bytes[offset]
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A surrogate pair: the low half follows as another escape.
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else { throw Malformed() }
                offset += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw Malformed() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Malformed() }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default: throw Malformed()
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw Malformed() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            offset += 1
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The whole input was read.
    mutating func end() throws {
        skipSpaces()
        guard offset == bytes.count else { throw Malformed() }
    }
}
