import Foundation

/// "As of": a log position, or a time (an ISO 8601 time, or a date meaning its end), as the
/// command line's `--as-of` and the pages' "as of" field are written.
public enum AsOf: Sendable, Equatable {
    case position(Int64)
    case date(Date)

    /// nil for text that is neither.
    public static func parse(_ text: String) -> AsOf? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let position = Int64(text), position >= 0 { return .position(position) }
        return time(text, endOfDay: true).map(AsOf.date)
    }

    /// An ISO 8601 time, or a date: its start, or with `endOfDay` its end.
    public static func time(_ text: String, endOfDay: Bool) -> Date? {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text).map { endOfDay ? $0.addingTimeInterval(86_399.999) : $0 }
    }

    /// The log position it names.
    public func position(in ledger: Ledger) throws -> Int64 {
        switch self {
        case .position(let position): position
        case .date(let date): try ledger.position(asOf: date)
        }
    }
}

extension Ledger.Subject {
    /// The kinds of entity people look up, as the command line and the pages name them.
    public static let kinds = ["register", "meter", "account", "location", "service-point"]

    /// `kind` one of `kinds`, `id` as people write it: a register `METER_ID[:REGISTER]`, a service
    /// point `LOCATION_ID/SERVICE_POINT_ID`. nil for anything else.
    public init?(kind: String, id: String) {
        let id = id.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else { return nil }
        switch kind.lowercased() {
        case "register": self = .register(id)
        case "meter": self = .meter(id)
        case "account": self = .account(id)
        case "location": self = .location(id)
        case "service-point":
            let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            self = .servicePoint(location: parts[0], servicePoint: parts[1])
        default: return nil
        }
    }

    /// `KIND:ID`, as `meter:BA12345678` or `service-point:L1/001`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        self.init(kind: parts[0], id: parts[1])
    }
}
