import Foundation

/// What a scan's checks depend on besides the file: its encoding and the date today, for the
/// rules about future dates and years.
struct ScanContext: Sendable {
    var encoding: TextEncoding
    var today: CalendarDate
    /// The last day a date may be: a day in the future is allowed, for time zones.
    let tomorrow: CalendarDate
    let timeZones: KeyTable

    init(encoding: TextEncoding, today: CalendarDate) {
        self.encoding = encoding
        self.today = today
        self.tomorrow = CalendarDate(dayNumber: today.dayNumber + 1)
        self.timeZones = Self.knownTimeZones
    }

    /// The IANA names, from the list that ships with the package (data, like the specification).
    private static let knownTimeZones: KeyTable = {
        var table = KeyTable()
        for name in Specification.resourceLines("time-zones", "txt") where !name.hasPrefix("#") {
            _ = Array(name.utf8).withUnsafeBufferPointer { table.insert($0) }
        }
        return table
    }()
}
