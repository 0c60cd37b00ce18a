import Foundation

/// A Swift type a field in PostgreSQL's text format reads as.
protocol PostgreSQLDecodable {
    /// `nil` when the text is not a value of this type.
    init?(postgreSQLText text: String)
    /// What NULL reads as: `nil` for every type but `Optional`, where NULL is an error.
    static var null: Self? { get }
}

extension PostgreSQLDecodable {
    static var null: Self? { nil }
}

extension Optional: PostgreSQLDecodable where Wrapped: PostgreSQLDecodable {
    init?(postgreSQLText text: String) {
        guard let value = Wrapped(postgreSQLText: text) else { return nil }
        self = .some(value)
    }

    static var null: Self? { .some(.none) }
}

extension String: PostgreSQLDecodable {
    init?(postgreSQLText text: String) { self = text }
}

extension Int64: PostgreSQLDecodable {
    init?(postgreSQLText text: String) { self.init(text) }
}

extension Int: PostgreSQLDecodable {
    init?(postgreSQLText text: String) { self.init(text) }
}

extension Double: PostgreSQLDecodable {
    init?(postgreSQLText text: String) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(text)
        }
    }
}

extension Bool: PostgreSQLDecodable {
    init?(postgreSQLText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
}

extension UUID: PostgreSQLDecodable {
    init?(postgreSQLText text: String) { self.init(uuidString: text) }
}

extension Data: PostgreSQLDecodable {
    /// A `bytea` in the hex format the server writes by default (`bytea_output = hex`).
    init?(postgreSQLText text: String) {
        var utf8 = text.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "\\"), utf8.next() == UInt8(ascii: "x") else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity((text.utf8.count - 2) / 2)
        while let high = utf8.next() {
            guard let low = utf8.next(), let high = Self.hexDigit(high), let low = Self.hexDigit(low) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes)
    }

    private static func hexDigit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
