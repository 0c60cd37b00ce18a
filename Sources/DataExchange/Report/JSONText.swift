import Foundation

/// Small JSON writing for streamed output, where each line is written as it is found; whole
/// values go through `JSONEncoder`.
public enum JSONText {
    public enum Value {
        case string(String), number(Int), array([Value]), null
    }

    public static func object(_ fields: [(String, Value)]) -> String {
        "{" + fields.map { "\(quoted($0.0)):\(render($0.1))" }.joined(separator: ",") + "}"
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .number(let number): String(number)
        case .array(let values): "[" + values.map(render).joined(separator: ",") + "]"
        case .null: "null"
        }
    }

    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A value as sorted, compact JSON.
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // As the HTTP API writes them: scripts read both.
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
