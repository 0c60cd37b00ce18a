/// How the bytes of a Data Exchange file are read as text. UTF-8 is the rule; a file that is not
/// valid UTF-8 was saved by a spreadsheet in Windows-1252 and is read as such (spec rule 12).
public enum TextEncoding: String, Sendable, Codable {
    case utf8 = "UTF-8"
    case windows1252 = "Windows-1252"

    /// The text of `bytes` in this encoding.
    public func string(_ bytes: some Collection<UInt8>) -> String {
        switch self {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .windows1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes { scalars.append(Windows1252.scalar(byte)) }
            return String(scalars)
        }
    }

    /// The number of characters (Unicode scalar values) that `bytes` hold.
    @inline(__always)
    public func characterCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        switch self {
        case .windows1252:
            return bytes.count
        case .utf8:
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count &+= 1 }
            return count
        }
    }
}

enum Windows1252 {
    /// The characters of 0x80...0x9F, where Windows-1252 differs from Latin-1; the five bytes it
    /// leaves undefined stand for the control characters of the same number.
    private static let high: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if byte >= 0x80 && byte < 0xA0 { return Unicode.Scalar(high[Int(byte - 0x80)])! }
        return Unicode.Scalar(byte)
    }
}

/// Checks, buffer by buffer, that a byte stream is well-formed UTF-8: no stray continuation byte,
/// no overlong form, no surrogate, nothing above U+10FFFF, no sequence cut at the end.
public struct UTF8Validator: Sendable {
    private var pending: [UInt8] = []
    public private(set) var isValid = true

    public init() {}

    public mutating func consume(_ input: UnsafeBufferPointer<UInt8>) {
        guard isValid, !input.isEmpty else { return }
        var start = 0
        if !pending.isEmpty {
            // Complete the sequence cut by the previous buffer, byte by byte.
            while !pending.isEmpty && start < input.count {
                pending.append(input[start])
                start += 1
                switch Self.sequenceStatus(pending[...]) {
                case .complete: pending.removeAll()
                case .incomplete: continue
                case .invalid: isValid = false; return
                }
            }
            if !pending.isEmpty { return }
        }
        let end = input.count
        var i = start
        while i < end {
            // ASCII 32 and then 8 bytes at a time: the common case of a Data Exchange file.
            let raw = UnsafeRawPointer(input.baseAddress!)
            while i + 32 <= end {
                let words = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) | raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
                    | raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self) | raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)
                if words & 0x8080_8080_8080_8080 != 0 { break }
                i += 32
            }
            if i + 8 <= end, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            guard i < end else { break }
            let lead = input[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length = Self.sequenceLength(lead)
            guard length > 0 else { isValid = false; return }
            if i + length > end {
                pending = Array(input[i..<end])
                if case .invalid = Self.sequenceStatus(pending[...]) { isValid = false }
                return
            }
            guard case .complete = Self.sequenceStatus(input[i..<(i + length)]) else { isValid = false; return }
            i += length
        }
    }

    /// Ends the stream: a sequence still open is not valid.
    public mutating func finish() {
        if !pending.isEmpty { isValid = false }
    }

    private enum SequenceStatus { case complete, incomplete, invalid }

    private static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    private static func sequenceStatus(_ bytes: some Collection<UInt8>) -> SequenceStatus {
        var iterator = bytes.makeIterator()
        guard let lead = iterator.next() else { return .incomplete }
        let length = sequenceLength(lead)
        guard length > 0 else { return .invalid }
        var index = 1
        while let byte = iterator.next() {
            // The second byte's range depends on the lead: this rules out overlong forms,
            // surrogates and code points above U+10FFFF.
            let range: ClosedRange<UInt8>
            switch (index, lead) {
            case (1, 0xE0): range = 0xA0...0xBF
            case (1, 0xED): range = 0x80...0x9F
            case (1, 0xF0): range = 0x90...0xBF
            case (1, 0xF4): range = 0x80...0x8F
            default: range = 0x80...0xBF
            }
            guard range.contains(byte) else { return .invalid }
            index += 1
        }
        return index == length ? .complete : (index < length ? .incomplete : .invalid)
    }
}
