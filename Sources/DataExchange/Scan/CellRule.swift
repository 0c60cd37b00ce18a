import Foundation

/// What is wrong with one cell: the code and the words that follow `Column "value"` in the message.
struct CellProblem: Sendable {
    var code: ExceptionCode
    var detail: String
}

/// The checks of one column, compiled from its specification once per scan, so that checking a
/// cell is a switch over bytes that allocates nothing unless the cell is wrong. Plain data, so
/// reading a rule costs no reference counting.
struct CellRule: Sendable {

    /// The column's index in the specification.
    let index: Int
    let format: ValueFormat
    let maxLength: Int
    let clearable: Bool
    /// The cell holds no column of the specification: nothing to check.
    let isIgnored: Bool
    /// A key that every record must fill.
    let isRequiredKey: Bool

    init(_ column: ColumnSpecification, at index: Int, isRequiredKey: Bool) {
        self.index = index
        self.format = column.format
        self.maxLength = column.maxLength
        self.clearable = column.clearable
        self.isIgnored = false
        self.isRequiredKey = isRequiredKey
    }

    /// The rule of a cell that holds no column of the specification.
    static let ignored = CellRule()

    private init() {
        index = -1
        format = .text
        maxLength = .max
        clearable = true
        isIgnored = true
        isRequiredKey = false
    }

    /// Checks a cell that is not blank.
    func check(_ cell: UnsafeBufferPointer<UInt8>, context: ScanContext, columns: ColumnTable) -> CellProblem? {
        if ASCII.isClearMarker(cell) {
            return clearable ? nil : CellProblem(
                code: .clearNotAllowed,
                detail: "cannot be erased: \(columns[index].name) must keep a value. Leave the cell blank to keep the stored value")
        }
        if let problem = checkFormat(cell, context: context, columns: columns) { return problem }
        // A cell has no more characters than bytes: count them only when the bytes are too many.
        guard cell.count > maxLength else { return nil }
        let length = context.encoding.characterCount(cell)
        if length > maxLength {
            return CellProblem(code: .tooLong, detail: "has \(length) characters; at most \(maxLength) are allowed")
        }
        return nil
    }

    // swiftlint:disable:next cyclomatic_complexity
    private func checkFormat(_ cell: UnsafeBufferPointer<UInt8>, context: ScanContext, columns: ColumnTable) -> CellProblem? {
        switch format {
        case .text:
            return nil
        case .id:
            return checkID(cell, encoding: context.encoding)
        case .date:
            let (date, formOK) = ASCII.date(cell)
            guard let date else {
                return CellProblem(
                    code: .invalidDate,
                    detail: formOK ? "is not a real calendar date; expected YYYY-MM-DD" : "is not a date in the form YYYY-MM-DD")
            }
            if date > context.tomorrow {
                return CellProblem(code: .futureDate, detail: "is more than a day in the future (today is \(context.today))")
            }
            return nil
        case .decimal, .signedDecimal:
            return checkDecimal(cell, signed: format == .signedDecimal, columns: columns)
        case .integer:
            return ASCII.allDigits(cell) ? nil : CellProblem(code: .invalidInteger, detail: "is not a whole number (digits only)")
        case .latitude, .longitude:
            let limit = format == .latitude ? 90.0 : 180.0
            if let degrees = ASCII.decimal(cell, signed: true), abs(degrees) <= limit { return nil }
            return CellProblem(
                code: format == .latitude ? .invalidLatitude : .invalidLongitude,
                detail: "is not a \(format.rawValue) in decimal degrees from -\(Int(limit)) to \(Int(limit))")
        case .enumeration, .flag:
            if columns.uppercaseValues[index].contains(where: { ASCII.equalsIgnoringCase(cell, $0) }) { return nil }
            let values = columns[index].values
            return format == .flag && values == ["Y", "N"]
                ? CellProblem(code: .invalidFlag, detail: "is not Y or N")
                : CellProblem(code: .invalidValue, detail: "is not one of the allowed values \(values.joined(separator: ", "))")
        case .state:
            return cell.count == 2 && cell.allSatisfy(ASCII.isLetter)
                ? nil : CellProblem(code: .invalidState, detail: "is not a two-letter state or province code")
        case .country:
            return (2...3).contains(cell.count) && cell.allSatisfy(ASCII.isLetter)
                ? nil : CellProblem(code: .invalidCountry, detail: "is not a two- or three-letter country code")
        case .postal:
            return Self.isPostalCode(cell)
                ? nil
                : CellProblem(code: .unusualPostalCode, detail: "is neither a US ZIP code (12345 or 12345-6789) nor a Canadian postal code (A1A 1A1)")
        case .email:
            return Self.isEmail(cell) ? nil : CellProblem(code: .invalidEmail, detail: "is not an e-mail address such as name@example.com")
        case .phone:
            return Self.isPhone(cell)
                ? nil : CellProblem(code: .unusualPhone, detail: "is not a phone number of at least 7 digits (digits, spaces and + ( ) - . only)")
        case .year:
            guard cell.count == 4, let year = ASCII.number(cell) else {
                return CellProblem(code: .invalidYear, detail: "is not a year of four digits")
            }
            return year > context.today.year
                ? CellProblem(code: .futureYear, detail: "is after the current year \(context.today.year)") : nil
        case .timezone:
            return context.timeZones.id(of: cell) != nil
                ? nil : CellProblem(code: .invalidTimezone, detail: "is not an IANA time zone name such as America/Chicago")
        case .alert:
            return cell.count == 2 && ASCII.allDigits(cell) && !(cell[0] == 0x30 && cell[1] == 0x30)
                ? nil : CellProblem(code: .invalidAlertCode, detail: "is not a two-digit alert code from 01 to 99")
        }
    }

    private func checkID(_ cell: UnsafeBufferPointer<UInt8>, encoding: TextEncoding) -> CellProblem? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        if cell.first == space || cell.first == tab || cell.last == space || cell.last == tab {
            return CellProblem(code: .invalidID, detail: "has a space at its start or end; an ID must match the CIS exactly")
        }
        var previous: UInt8 = 0
        for byte in cell {
            // C0 controls and DEL; in UTF-8 also the C1 controls (C2 80 to C2 9F).
            if byte < 0x20 || byte == 0x7F || (encoding == .utf8 && previous == 0xC2 && byte < 0xA0 && byte >= 0x80) {
                return CellProblem(code: .invalidID, detail: "holds a control character; an ID is printable text")
            }
            previous = byte
        }
        if Self.isScientificNotation(cell) {
            return CellProblem(
                code: .scientificNotation,
                detail: "is a number in scientific notation: a spreadsheet damaged this ID. Export the column again as text")
        }
        return nil
    }

    private func checkDecimal(_ cell: UnsafeBufferPointer<UInt8>, signed: Bool, columns: ColumnTable) -> CellProblem? {
        if ASCII.isDecimal(cell, signed: signed) { return nil }
        let name = columns[index].name
        if !signed, cell.first == UInt8(ascii: "-"), ASCII.decimal(UnsafeBufferPointer(rebasing: cell.dropFirst()), signed: false) != nil {
            return CellProblem(code: .negativeNumber, detail: "is negative; \(name) cannot be below 0")
        }
        let text = String(decoding: cell, as: UTF8.self)
        if let slash = text.firstIndex(of: "/"), let numerator = Double(text[..<slash]), let denominator = Double(text[text.index(after: slash)...]),
            denominator != 0 {
            let decimal = numerator / denominator
            return CellProblem(
                code: .invalidDecimal,
                detail: "is a fraction; write it as a decimal number (\(text) is \(Self.plain(decimal)))")
        }
        if text.contains(",") {
            return CellProblem(code: .invalidDecimal, detail: "is not a plain decimal number: write it without thousands separators")
        }
        return CellProblem(code: .invalidDecimal, detail: "is not a plain decimal number such as 12 or 0.625")
    }

    private static func plain(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `1.23457E+11`: the mark of a spreadsheet that showed an ID as a number. Only with a sign
    /// after the E, as spreadsheets write it, so that IDs such as `12E5` stay valid.
    static func isScientificNotation(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let e = cell.firstIndex(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }), e > 0, e + 2 < cell.count,
            cell[e + 1] == UInt8(ascii: "+") || cell[e + 1] == UInt8(ascii: "-")
        else { return false }
        return ASCII.decimal(UnsafeBufferPointer(rebasing: cell[..<e]), signed: true) != nil
            && ASCII.allDigits(UnsafeBufferPointer(rebasing: cell[(e + 2)...]))
    }

    static func isPostalCode(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { ASCII.isDigit(cell[$0]) } }
        switch cell.count {
        case 5: return digits(0..<5)
        case 10: return cell[5] == UInt8(ascii: "-") && digits(0..<5) && digits(6..<10)
        case 6, 7:
            // A1A 1A1, the space optional.
            if cell.count == 7 && cell[3] != UInt8(ascii: " ") { return false }
            let second = cell.count - 3
            return ASCII.isLetter(cell[0]) && ASCII.isDigit(cell[1]) && ASCII.isLetter(cell[2])
                && ASCII.isDigit(cell[second]) && ASCII.isLetter(cell[second + 1]) && ASCII.isDigit(cell[second + 2])
        default: return false
        }
    }

    static func isEmail(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        let at = UInt8(ascii: "@")
        guard let sign = cell.firstIndex(of: at), sign > 0, cell.lastIndex(of: at) == sign else { return false }
        let domain = cell[(sign + 1)...]
        guard let dot = domain.firstIndex(of: UInt8(ascii: ".")), dot > domain.startIndex, domain.last != UInt8(ascii: ".") else {
            return false
        }
        return !cell.contains { $0 <= 0x20 }
    }

    static func isPhone(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        var digits = 0
        for byte in cell {
            if ASCII.isDigit(byte) {
                digits += 1
            } else {
                switch byte {
                case UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: " "): continue
                default: return false
                }
            }
        }
        return digits >= 7
    }
}

/// The specification's columns with what the cell checks need of them beyond `CellRule`.
struct ColumnTable: Sendable {
    let columns: [ColumnSpecification]
    /// For each column, its allowed values in upper case, as bytes.
    let uppercaseValues: [[[UInt8]]]

    init(_ specification: Specification) {
        columns = specification.columns
        uppercaseValues = columns.map { $0.values.map { Array($0.uppercased().utf8) } }
    }

    subscript(index: Int) -> ColumnSpecification { columns[index] }
}
