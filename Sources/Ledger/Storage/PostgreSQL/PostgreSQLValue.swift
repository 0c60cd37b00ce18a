import Foundation

/// A parameter of a statement or a field of a COPY row, in PostgreSQL's text format. `nil` where a
/// `PostgreSQLValue?` is expected is SQL's NULL.
enum PostgreSQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case double(Double)
    case boolean(Bool)
    /// A `bytea`, sent as its hex form (`\x0aff…`): any byte, NUL included.
    case bytes(Data)

    /// The text PostgreSQL parses the value from.
    var textFormat: String {
        switch self {
        case .text(let string): string
        case .integer(let integer): String(integer)
        case .double(let double): double.isNaN ? "NaN" : double.isInfinite ? (double < 0 ? "-Infinity" : "Infinity") : "\(double)"
        case .boolean(let boolean): boolean ? "t" : "f"
        case .bytes(let bytes): Self.byteaHex(bytes)
        }
    }

    static func byteaHex(_ bytes: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(2 + bytes.count * 2)
        hex.append(UInt8(ascii: "\\"))
        hex.append(UInt8(ascii: "x"))
        for byte in bytes {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

extension PostgreSQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(booleanLiteral value: Bool) { self = .boolean(value) }
}
