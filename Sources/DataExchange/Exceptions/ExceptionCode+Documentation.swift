/// What each code means and how a person fixes it: the source of `docs/exceptions.md`.
extension ExceptionCode {
    /// (meaning, example message, fix)
    public var explanation: (meaning: String, example: String, fix: String) {
        switch self {
        case .emptyFile: ("The file has no bytes, or only blank lines.", "The file is empty: it has no header and no records.", "Export the file from the CIS again.")
        case .fileTooLarge: ("The file is larger than 70 MB (70 × 2^20 bytes); it is not read further.", "export.csv is 74.2 MB; files of at most 70 MB are imported.", "Split the export into smaller files and drop each.")
        case .spreadsheetFile: ("The file is a workbook (.xlsx, .xls, .ods), not CSV.", "The file is a spreadsheet workbook (.xlsx or .ods), not a CSV file.", "Save the sheet as \"CSV UTF-8 (comma delimited)\" and drop the .csv file.")
        case .archiveFile: ("The file is a zip or gzip archive.", "The file is a zip archive, not a CSV file.", "Unpack it and drop the .csv file inside.")
        case .binaryFile: ("The file is a picture, a PDF, or other binary content.", "The file is a PNG picture, not a CSV file.", "Drop the Data Exchange file exported from the CIS.")
        case .utf16File: ("The file is saved as Unicode text (UTF-16).", "The file is saved as Unicode text (UTF-16), which this import does not read.", "Save it as \"CSV UTF-8 (comma delimited)\".")
        case .wrongDelimiter: ("The header is separated by semicolons, tabs or vertical bars.", "The header is separated by semicolons (;), not commas.", "Save the file as \"CSV UTF-8 (comma delimited)\".")
        case .missingKeyColumn: ("The header lacks Account_ID, Location_ID, Service_Point_ID or Meter_ID.", "The header has no Meter_ID column.", "Add the column, named exactly as the specification names it.")
        case .repeatedColumn: ("Two header cells name the same column (also through an older name).", "The column Meter_ID appears more than once in the header (cells 3 and 9).", "Keep one of the two columns.")
        case .incompletePair: ("An ID Update file has one column of a pair without the other, or a Service_Point_ID pair without Location_ID.", "The header has Meter_ID without Meter_ID_new.", "Add the missing column of the pair.")
        case .noRecords: ("The file has a header but no records.", "The file has a header but no records: there is nothing to import.", "Export the records too, or ignore it.")
        case .windows1252: ("The file is not valid UTF-8 and was read as Windows-1252.", "The file is not UTF-8; it was read as Windows-1252.", "Check accented names in the report, or save as \"CSV UTF-8\".")
        case .unknownColumn: ("A header cell names no column of the specification; the column is ignored.", "The column \"Meter_Colour\" is not in the Accounts and Assets specification; it is ignored.", "Check the spelling (names are case-sensitive) or remove the column.")
        case .renamedColumn: ("A header cell uses an older name of a column; it is read under its current name.", "The column \"SP_Latitude\" is an older name of Service_Point_Latitude.", "Rename the column in the export.")
        case .raggedRecord: ("A record has more or fewer cells than the header; nothing of it imports.", "Record 12 has 98 cells, the header 99.", "Look for a missing or extra comma, or a comma in an unquoted value.")
        case .unterminatedQuote: ("A quoted cell never closes: the rest of the file was read as one cell.", "A quoted cell opened in record 7 (line 8) never closes.", "Close the quote, or remove it.")
        case .strayQuote: ("A quote inside an unquoted value, or text after a closing quote; read as text.", "Record 4 has a quote inside an unquoted value.", "Quote the whole value and double the quotes inside it.")
        case .missingKey: ("A key the record needs is blank.", "Location_ID is blank; every record needs it to say which location it describes.", "Fill the key from the CIS.")
        case .tooLong: ("A value has more characters than the column allows.", "Account_Full_Name \"XXXX…\" has 140 characters; at most 128 are allowed.", "Shorten the value.")
        case .invalidID: ("An ID has a space at its start or end, or a control character.", "Meter_ID \" M123\" has a space at its start or end.", "Export the ID exactly as the CIS holds it.")
        case .scientificNotation: ("An ID that a spreadsheet turned into a number in scientific notation.", "Meter_ID \"1.23457E+11\" is a number in scientific notation: a spreadsheet damaged this ID.", "Export the column again formatted as text.")
        case .invalidDate: ("A date not in the form YYYY-MM-DD, or not a real day.", "Meter_Install_Date \"3/7/2024\" is not a date in the form YYYY-MM-DD.", "Write the date as YYYY-MM-DD (2024-03-07).")
        case .invalidDecimal: ("Not a plain decimal number: thousands separators, fractions, letters.", "Meter_Size \"5/8\" is a fraction; write it as a decimal number (5/8 is 0.625).", "Write a plain number such as 0.625.")
        case .negativeNumber: ("A negative number where negatives make no sense (sizes, resolutions, reads, limits).", "Meter_Size \"-1\" is negative; Meter_Size cannot be below 0.", "Correct the sign.")
        case .invalidInteger: ("Not a whole number.", "Read_Sequence \"12.5\" is not a whole number (digits only).", "Write digits only.")
        case .invalidLatitude: ("Not a latitude in decimal degrees from -90 to 90.", "Location_Latitude \"143.5\" is not a latitude in decimal degrees from -90 to 90.", "Check for swapped latitude and longitude.")
        case .invalidLongitude: ("Not a longitude in decimal degrees from -180 to 180.", "Location_Longitude \"W87.9\" is not a longitude in decimal degrees from -180 to 180.", "Write decimal degrees, west negative.")
        case .invalidValue: ("Not one of the column's allowed values (upper or lower case).", "Register_Unit_Of_Measure \"GALLONS\" is not one of the allowed values GAL, IMP, ….", "Use one of the listed values.")
        case .invalidFlag: ("A flag that is not Y or N.", "Account_Paperless \"Yes\" is not Y or N.", "Write Y or N.")
        case .invalidState: ("Not a two-letter state or province.", "Billing_State \"Wis\" is not a two-letter state or province code.", "Use the two-letter code (WI).")
        case .invalidCountry: ("Not a two- or three-letter country code.", "Location_Country \"Canada\" is not a two- or three-letter country code.", "Use CA or CAN.")
        case .invalidEmail: ("Not an e-mail address.", "Account_Email \"no-at-sign.example.com\" is not an e-mail address such as name@example.com.", "Correct the address or leave it blank.")
        case .invalidTimezone: ("Not an IANA time zone name.", "Service_Point_Timezone \"CST\" is not an IANA time zone name such as America/Chicago.", "Use a name such as America/Chicago.")
        case .invalidAlertCode: ("An alert code that is not two digits from 01 to 99.", "Alert_Code \"100\" is not a two-digit alert code from 01 to 99.", "Write two digits.")
        case .invalidYear: ("A year that is not four digits.", "Location_Year_Built \"85\" is not a year of four digits.", "Write the whole year (1985).")
        case .clearNotAllowed: ("_CLEAR_ in a column that must keep a value (keys, not-empty fields, dates, reads).", "Service_Point_Type \"_CLEAR_\" cannot be erased: Service_Point_Type must keep a value.", "Leave the cell blank to keep the stored value, or give the new value.")
        case .unusualPostalCode: ("Neither a US ZIP nor a Canadian postal code; it imports.", "Billing_Zip \"1234\" is neither a US ZIP code nor a Canadian postal code.", "Check the code.")
        case .unusualPhone: ("Not a phone number of at least 7 digits; it imports.", "Account_Phone \"call me\" is not a phone number of at least 7 digits.", "Check the number.")
        case .futureYear: ("A year after the current one; it imports.", "Location_Year_Built \"2099\" is after the current year.", "Check the year.")
        case .futureDate: ("A date more than a day in the future; it imports.", "Meter_Install_Date \"2031-01-01\" is more than a day in the future.", "Check the date.")
        case .missingOnCreate: ("A not-empty field is blank (or its column absent) for an entity the ledger does not have yet: that component does not import.", "Meter_Manufacturer is blank but the meter register BA12345678 is new: a new meter needs it.", "Give the value; later records may leave it blank.")
        case .recommendedBlank: ("A recommended field is blank for a new entity; it imports.", "Location_City is blank for the new location L0000001; it is recommended.", "Give the value when you have it.")
        case .endpointTypeMissing: ("Endpoint_SN is given without Endpoint_Type: the endpoint does not import.", "Endpoint_Type is blank but Endpoint_SN is \"1234567\".", "Give the endpoint's type (M, N, 5, C, S or F).")
        case .removalBeforeInstall: ("A removal date before the install date (meter or endpoint).", "Meter_Removal_Date 2001-01-01 is before Meter_Install_Date 2015-06-01.", "Correct either date.")
        case .endBeforeStart: ("SA_End_Date before SA_Start_Date.", "SA_End_Date 2019-01-01 is before SA_Start_Date 2020-01-01.", "Correct either date.")
        case .lowAboveHigh: ("Low_Read_Limit above High_Read_Limit.", "Low_Read_Limit 900 is above High_Read_Limit 100.", "Swap or correct the limits.")
        case .nullIsland: ("Latitude and longitude both 0: a placeholder, not a place; it imports.", "Location_Latitude and Location_Longitude are both 0.", "Give the real coordinates or leave both blank.")
        case .incompleteRename: ("An ID Update record fills one ID of a pair without the other, or renames nothing, or more than one ID.", "Meter_ID_new is blank but Meter_ID is \"M1\": give both, or neither.", "Give each record one ID and its new ID.")
        case .endpointOnTwoRegisters: ("One endpoint on two registers in the same file: the later one's endpoint does not import.", "Endpoint 1234567 is on register M2 here and on register M1 in record 3.", "Correct the endpoint serial number of one of them.")
        case .registerConflict: ("One register twice with the same install date and different values: the later record does not import.", "Register M1:L with install date 2020-01-01 is also in record 3, with other values.", "Keep one of the two records.")
        case .duplicateRecord: ("A record repeats an earlier one exactly; it changes nothing.", "Record 9 repeats record 8 exactly.", "Remove the repeated record.")
        case .duplicateRename: ("An ID Update file renames the same ID twice, or gives two IDs the same new ID.", "Meter_ID_new \"M9\" is also the new ID in record 2.", "Keep one rename per ID.")
        case .backdatedEntry: ("An install date earlier than the one recorded for the register: it rewrites the register's history.", "Meter_Install_Date 2019-01-01 is before 2021-05-01, the install date already recorded for register M1.", "Read it before approving; correct the date if it is a typo.")
        case .meterMoved: ("A meter moves to another service point.", "Meter M1 moves from service point L1/001 to service point L2/001.", "Read it before approving.")
        case .endpointMoved: ("An endpoint moves to another register.", "Endpoint 1234567 moves from register M1 to register M2.", "Read it before approving.")
        case .meterReplaced: ("Another meter at a service point that holds one (a change-out): the meter there comes off it.", "Meter M2 replaces meter M1 at service point L1/001: M1 comes off it on 2024-05-01, M2's install date.", "Read it before approving; the meter taken off stays in the ledger, at no service point.")
        case .endpointReplaced: ("Another endpoint on a register that has one: the endpoint there comes off it.", "Endpoint E2 replaces endpoint E1 on register M1: E1 comes off it on 2024-05-01, E2's install date.", "Read it before approving; the endpoint taken off stays in the ledger, on no register.")
        case .accountChanged: ("Another account at a service point: one service agreement closes and another opens.", "Service point L1/001 changes account from A1 to A2.", "Read it before approving (a move-out and move-in).")
        case .unknownID: ("An ID Update record renames an ID that the ledger does not have.", "Meter_ID \"M404\" is not in the ledger; there is nothing to rename.", "Check the old ID.")
        case .idTaken: ("An ID Update record's new ID already exists.", "Meter_ID_new \"M2\" already exists in the ledger.", "Choose an ID that is not used.")
        }
    }

    /// What an error with this code stops, in words.
    var stops: String {
        if severity == .warning { return "nothing" }
        if isFileLevel { return "the whole file" }
        switch self {
        case .raggedRecord, .unterminatedQuote, .registerConflict: return "the record"
        case .endpointTypeMissing, .endpointOnTwoRegisters: return "the Endpoint"
        case .missingKey, .tooLong, .invalidID, .scientificNotation: return "the cell's component; for a key that places the register, the record"
        default: return "the cell's component"
        }
    }

    /// `docs/exceptions.md`.
    public static var documentation: String {
        var text = """
            # Exception codes

            Every line of the exceptions report has one of these codes. Codes are stable: scripts match on them.
            An **error** stops what the last column says (spec rule 5: a field's error blocks only its component,
            such as the Meter or the Account; the keys Location_ID, Service_Point_ID and Meter_ID block the whole record,
            Account_ID blocks the Account and the Service Agreement, Endpoint_SN the Endpoint). A **warning** stops
            nothing: the record imports, and a person should read it before approving.
            File-level codes have no record or line. This page is generated: `ledger codes > docs/exceptions.md`.


            """
        for level in [true, false] {
            text += level ? "## The file\n\n" : "## Records\n\n"
            text += "| code | severity | stops | meaning | example | fix |\n|---|---|---|---|---|---|\n"
            for code in allCases where code.isFileLevel == level {
                let (meaning, example, fix) = code.explanation
                text += "| `\(code.rawValue)` | \(code.severity.rawValue) | \(code.stops) | \(meaning) | \(example) | \(fix) |\n"
            }
            text += "\n"
        }
        return text
    }
}
