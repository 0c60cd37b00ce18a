import DataExchange
import Testing

/// Every format of the specification, with values that pass and values that fail.
@Suite struct FormatTests {
    /// The codes of the exceptions on `column` when a valid new row has `value` there.
    static func codes(_ column: String, _ value: String) throws -> [ExceptionCode] {
        let (_, collected) = try scan(DXFile.one([column: value]))
        return collected.allExceptions.filter { $0.column == column }.map(\.code)
    }

    @Test(arguments: [
        // id
        ("Meter_ID", "BA12345678", nil), ("Meter_ID", "1.23457E+11", .scientificNotation), ("Meter_ID", "12E5", nil),
        ("Meter_ID", "9.1e-05", .scientificNotation), ("Meter_ID", " M1", .invalidID), ("Meter_ID", "M1 ", .invalidID),
        ("Meter_ID", "M\u{7}1", .invalidID), ("Account_ID", "Vacant", nil), ("Account_ID", "0", nil),
        // text and length in characters
        ("Meter_Note", "Behind the gate, \"beware of dog\",\nask for key", nil),
        ("Account_Full_Name", String(repeating: "é", count: 128), nil),
        ("Account_Full_Name", String(repeating: "é", count: 129), .tooLong),
        ("Endpoint_SN", String(repeating: "9", count: 24), .tooLong),
        // date
        ("Meter_Install_Date", "2024-02-29", nil), ("Meter_Install_Date", "2023-02-29", .invalidDate),
        ("Meter_Install_Date", "2024-02-30", .invalidDate), ("Meter_Install_Date", "3/7/2024", .invalidDate),
        ("Meter_Install_Date", "2024-3-7", .invalidDate), ("Meter_Install_Date", "20240307", .invalidDate),
        ("Meter_Install_Date", "2026-06-16", nil), ("Meter_Install_Date", "2026-06-17", .futureDate),
        // decimal
        ("Meter_Size", "0.625", nil), ("Meter_Size", "12", nil), ("Meter_Size", "5/8", .invalidDecimal),
        ("Meter_Size", "-1", .negativeNumber), ("Register_Resolution", "1,000", .invalidDecimal), ("Meter_Size", "1.2.3", .invalidDecimal),
        ("Meter_Size", "abc", .invalidDecimal), ("Meter_Install_Start_Read", "-3.5", .negativeNumber),
        // integer
        ("Read_Sequence", "42", nil), ("Read_Sequence", "12.5", .invalidInteger), ("Read_Sequence", "-4", .invalidInteger),
        // latitude and longitude
        ("Location_Latitude", "-90", nil), ("Location_Latitude", "143.5", .invalidLatitude), ("Location_Latitude", "N43", .invalidLatitude),
        ("Location_Longitude", "-180", nil), ("Location_Longitude", "180.01", .invalidLongitude),
        // enum and flag, any case
        ("Register_Unit_Of_Measure", "gal", nil), ("Register_Unit_Of_Measure", "GALLONS", .invalidValue),
        ("Service_Point_Type", "w", nil), ("Service_Point_Type", "X", .invalidValue), ("Endpoint_Type", "c", nil),
        ("Register_Number", "h", nil), ("Register_Number", "3", .invalidValue),
        ("Account_Paperless", "y", nil), ("Account_Paperless", "Yes", .invalidFlag),
        // state, country
        ("Billing_State", "wi", nil), ("Billing_State", "Wis", .invalidState), ("Billing_State", "W1", .invalidState),
        ("Billing_Country", "CA", nil), ("Billing_Country", "CAN", nil), ("Billing_Country", "Canada", .invalidCountry),
        // postal: a warning
        ("Billing_Zip", "53202", nil), ("Billing_Zip", "53202-1234", nil), ("Billing_Zip", "B3H 1A1", nil), ("Billing_Zip", "b3h1a1", nil),
        ("Billing_Zip", "1234", .unusualPostalCode), ("Billing_Zip", "SW1A 1AA", .unusualPostalCode),
        // email
        ("Account_Email", "ada@example.com", nil), ("Account_Email", "no-at-sign.example.com", .invalidEmail),
        ("Account_Email", "a@b@example.com", .invalidEmail), ("Account_Email", "@example.com", .invalidEmail),
        ("Account_Email", "ada@localhost", .invalidEmail),
        // phone: a warning
        ("Account_Phone", "(414) 555-0100", nil), ("Account_Phone", "+1 414.555.0100", nil), ("Account_Phone", "555-01", .unusualPhone),
        ("Account_Phone", "call me", .unusualPhone),
        // year
        ("Location_Year_Built", "1985", nil), ("Location_Year_Built", "85", .invalidYear), ("Location_Year_Built", "2099", .futureYear),
        // timezone
        ("Service_Point_Timezone", "America/Chicago", nil), ("Service_Point_Timezone", "US/Central", nil),
        ("Service_Point_Timezone", "UTC", nil), ("Service_Point_Timezone", "CST", .invalidTimezone),
        ("Service_Point_Timezone", "america/chicago", .invalidTimezone),
        // alert
        ("Alert_Code", "01", nil), ("Alert_Code", "99", nil), ("Alert_Code", "00", .invalidAlertCode), ("Alert_Code", "7", .invalidAlertCode),
        ("Alert_Code", "100", .invalidAlertCode),
    ] as [(String, String, ExceptionCode?)])
    func format(_ column: String, _ value: String, _ expected: ExceptionCode?) throws {
        #expect(try Self.codes(column, value) == (expected.map { [$0] } ?? []))
    }

    @Test(arguments: [
        ("Location_Address_Line2", nil), ("Meter_Note", nil), ("Account_Email", nil),
        ("Service_Point_Type", .clearNotAllowed), ("Meter_Install_Date", .clearNotAllowed), ("Meter_ID", .clearNotAllowed),
        ("Meter_Manufacturer", .clearNotAllowed), ("Meter_Removal_End_Read", .clearNotAllowed),
    ] as [(String, ExceptionCode?)])
    func clearOnlyWhereClearable(_ column: String, _ expected: ExceptionCode?) throws {
        #expect(try Self.codes(column, "_CLEAR_") == (expected.map { [$0] } ?? []))
    }

    @Test func aMessageSaysWhatWasFoundAndWhatIsExpected() throws {
        let (_, collected) = try scan(DXFile.one(["Meter_Install_Date": "3/7/2024"]))
        let exception = try #require(collected.allExceptions.first { $0.code == .invalidDate })
        #expect(exception.message == "Meter_Install_Date \"3/7/2024\" is not a date in the form YYYY-MM-DD.")
        #expect(exception.value == "3/7/2024")
        #expect(exception.record == 1)
        #expect(exception.line == 2)
        #expect(exception.severity == .error)
        let fraction = try #require(try scan(DXFile.one(["Meter_Size": "5/8"])).collected.allExceptions.first)
        #expect(fraction.message.contains("5/8 is 0.625"))
    }
}
