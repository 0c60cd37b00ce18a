/// The field-level mistakes `--errors` puts into sample rows: those that spreadsheets and CIS
/// exports really make. Each one gives exactly one exception, of `expectedCode`.
public enum SampleMistake: String, Sendable, CaseIterable, Codable {
    /// `3/7/2024`: a spreadsheet reformatted the date.
    case spreadsheetDate = "spreadsheet-date"
    /// `2023-02-30`.
    case impossibleDate = "impossible-date"
    case latitudeOutOfRange = "latitude-out-of-range"
    case emailWithoutAt = "email-without-at"
    /// `1.23457E+11`: a spreadsheet showed the ID as a number.
    case scientificNotationID = "scientific-notation-id"
    case tooLongValue = "too-long-value"
    /// `GALLONS` for `GAL`.
    case unknownEnumValue = "unknown-enum-value"
    /// `5/8` for 0.625 inches.
    case fractionSize = "fraction-size"
    /// `_CLEAR_` in a column that must keep its value.
    case clearInKeptColumn = "clear-in-kept-column"
    case badAlertCode = "bad-alert-code"
    case fractionalReadSequence = "fractional-read-sequence"
    case blankKey = "blank-key"
    case removalBeforeInstall = "removal-before-install"

    /// The column the mistake is made in.
    var field: SampleField {
        switch self {
        case .spreadsheetDate, .impossibleDate: .meterInstallDate
        case .latitudeOutOfRange: .locationLatitude
        case .emailWithoutAt: .accountEmail
        case .scientificNotationID: .meterID
        case .tooLongValue: .accountFullName
        case .unknownEnumValue: .registerUnitOfMeasure
        case .fractionSize: .meterSize
        case .clearInKeptColumn: .servicePointType
        case .badAlertCode: .alertCode
        case .fractionalReadSequence: .readSequence
        case .blankKey: .locationID
        case .removalBeforeInstall: .meterRemovalDate
        }
    }

    /// The exception the scanner gives for it.
    public var expectedCode: ExceptionCode {
        switch self {
        case .spreadsheetDate, .impossibleDate: .invalidDate
        case .latitudeOutOfRange: .invalidLatitude
        case .emailWithoutAt: .invalidEmail
        case .scientificNotationID: .scientificNotation
        case .tooLongValue: .tooLong
        case .unknownEnumValue: .invalidValue
        case .fractionSize: .invalidDecimal
        case .clearInKeptColumn: .clearNotAllowed
        case .badAlertCode: .invalidAlertCode
        case .fractionalReadSequence: .invalidInteger
        case .blankKey: .missingKey
        case .removalBeforeInstall: .removalBeforeInstall
        }
    }

    /// The wrong value, for a row whose meter was installed on `installDay`.
    func value(installDay: Int, random: inout SampleRandom) -> String {
        switch self {
        case .spreadsheetDate: "\(random.int(1...12))/\(random.int(1...28))/\(random.int(2005...2024))"
        case .impossibleDate: random.pick(["2023-02-30", "2021-04-31", "2022-13-01", "2019-02-29"])
        case .latitudeOutOfRange: random.pick(["143.5", "-95.25", "430389"])
        case .emailWithoutAt: random.pick(["no-at-sign.example.com", "jsmith example.com", "mary.jones"])
        case .scientificNotationID: random.pick(["1.23457E+11", "4.5E+09", "9.87654E+10"])
        case .tooLongValue: String(repeating: "X", count: 140)
        case .unknownEnumValue: random.pick(["GALLONS", "KGAL", "M3"])
        case .fractionSize: random.pick(["5/8", "3/4", "1 1/2"])
        case .clearInKeptColumn: "_CLEAR_"
        case .badAlertCode: random.pick(["100", "7", "00", "AB"])
        case .fractionalReadSequence: random.pick(["12.5", "3,200", "1e3"])
        case .blankKey: ""
        case .removalBeforeInstall: CalendarDate(dayNumber: installDay - random.int(30...900)).description
        }
    }
}
