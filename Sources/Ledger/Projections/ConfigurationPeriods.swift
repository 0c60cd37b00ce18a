import Foundation

/// A span of time during which one thing was configured one way: this register at that service
/// point, this service point with that account. Open while it lasts.
public struct ConfigurationPeriod: Sendable, Codable, Equatable {
    /// What was configured: `Register M1:L`, `ServiceAgreement L1/001`.
    public var subject: String
    /// How: `service point L1/001`, `account A1`.
    public var configuration: String
    public var from: Date
    public var fromPosition: Int64
    public var until: Date?
    public var untilPosition: Int64?
}

extension ConfigurationPeriod {
    /// The periods that a history's entries imply: a register's service point (its Location_ID
    /// and Service_Point_ID), a service point's account (its agreement's Account_ID). A rename
    /// carries the period on under the new key.
    public static func periods(of entries: [HistoryEntry]) -> [ConfigurationPeriod] {
        var open: [String: (key: String, period: ConfigurationPeriod)] = [:]
        var closed: [ConfigurationPeriod] = []
        var values: [String: [String: String]] = [:]
        for entry in entries where entry.kind == .register || entry.kind == .serviceAgreement {
            let identity = "\(entry.kind.rawValue) \(entry.previousKey ?? entry.key)"
            let current = "\(entry.kind.rawValue) \(entry.key)"
            if entry.previousKey != nil {
                values[current] = values.removeValue(forKey: identity)
                if var moving = open.removeValue(forKey: identity) {
                    moving.period.subject = current
                    open[current] = moving
                }
            }
            var fields = values[current] ?? [:]
            for (name, change) in entry.fields { fields[name] = change.new }
            values[current] = fields
            let configuration: String? = switch entry.kind {
            case .register:
                fields["Location_ID"].map { "service point \($0)/\(fields["Service_Point_ID"] ?? "")" }
            default:
                fields["Account_ID"].map { "account \($0)" }
            }
            guard let configuration, open[current]?.period.configuration != configuration else { continue }
            if var ending = open.removeValue(forKey: current)?.period {
                ending.until = entry.recordedAt
                ending.untilPosition = entry.position
                closed.append(ending)
            }
            open[current] = (current, ConfigurationPeriod(
                subject: current, configuration: configuration, from: entry.recordedAt, fromPosition: entry.position, until: nil, untilPosition: nil))
        }
        return (closed + open.values.map(\.period)).sorted { ($0.fromPosition, $0.subject) < ($1.fromPosition, $1.subject) }
    }
}
