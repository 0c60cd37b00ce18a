import DataExchange
import Foundation

/// A span of time during which one thing was configured one way: this register at that service
/// point, this service point with that account. Open while it lasts.
public struct ConfigurationPeriod: Sendable, Codable, Equatable {
    /// A register (at a service point) or a service agreement (with an account).
    public var kind: EntityKind
    /// What was configured: `Register M1:L`, `ServiceAgreement L1/001`.
    public var subject: String
    /// The key of what it was configured with: a register's service point (`L1/001`), an
    /// agreement's account (`A1`).
    public var configuredKey: String
    public var from: Date
    public var fromPosition: Int64
    public var until: Date?
    public var untilPosition: Int64?
    /// The dates the data itself gives the configuration, as the file wrote them: a register's
    /// `Meter_Install_Date` and `Meter_Removal_Date`, an agreement's `SA_Start_Date` and
    /// `SA_End_Date`. `from` and `until` say when the ledger learned of it; these, when it was so
    /// in the field, which is what a utility reads a period for.
    public var startDate: String?
    public var endDate: String?

    /// How, for people: `service point L1/001`, `account A1`.
    public var configuration: String { "\(kind == .register ? "service point" : "account") \(configuredKey)" }

    /// The dates in the field, for people: "installed 2012-09-29, removed 2024-01-02".
    public var fieldDates: String? {
        let (starts, ends) = kind == .register ? ("installed", "removed") : ("started", "ended")
        let dates = [startDate.map { "\(starts) \($0)" }, endDate.map { "\(ends) \($0)" }].compactMap { $0 }
        return dates.isEmpty ? nil : dates.joined(separator: ", ")
    }
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
            let configured: String?
            let dates: (start: String?, end: String?)
            switch entry.kind {
            case .register:
                configured = fields["Location_ID"].map { ServicePointKey(location: $0, servicePoint: fields["Service_Point_ID"] ?? "").description }
                dates = (fields["Meter_Install_Date"], fields["Meter_Removal_Date"])
            default:
                configured = fields["Account_ID"]
                dates = (fields["SA_Start_Date"], fields["SA_End_Date"])
            }
            // The same configuration: its dates as they now stand (a removal date comes later).
            if let configured, open[current]?.period.configuredKey == configured {
                (open[current]!.period.startDate, open[current]!.period.endDate) = dates
                continue
            }
            if var ending = open.removeValue(forKey: current)?.period {
                ending.until = entry.recordedAt
                ending.untilPosition = entry.position
                // Taken off (rule 14): the change that unlinks it gives the day it came off.
                if configured == nil, let end = dates.end { ending.endDate = end }
                closed.append(ending)
            }
            guard let configuredKey = configured else { continue }
            open[current] = (current, ConfigurationPeriod(
                kind: entry.kind, subject: current, configuredKey: configuredKey, from: entry.recordedAt, fromPosition: entry.position, until: nil, untilPosition: nil,
                startDate: dates.start, endDate: dates.end))
        }
        return (closed + open.values.map(\.period)).sorted { ($0.fromPosition, $0.subject) < ($1.fromPosition, $1.subject) }
    }
}
