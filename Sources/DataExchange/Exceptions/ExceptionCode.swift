/// Whether an exception stops what it concerns from importing.
public enum Severity: String, Sendable, Codable, CaseIterable {
    case error, warning
}

/// The stable codes of the exceptions report. Scripts match on them: add codes, never rename one.
/// `docs/exceptions.md` is generated from `meaning` and `fix` (`ledger codes`).
public enum ExceptionCode: String, Sendable, Codable, CaseIterable {
    // The whole file.
    case emptyFile = "empty-file"
    case fileTooLarge = "file-too-large"
    case spreadsheetFile = "spreadsheet-file"
    case archiveFile = "archive-file"
    case binaryFile = "binary-file"
    case utf16File = "utf16-file"
    case wrongDelimiter = "wrong-delimiter"
    case missingKeyColumn = "missing-key-column"
    case repeatedColumn = "repeated-column"
    case incompletePair = "incomplete-pair"
    case noRecords = "no-records"
    case windows1252 = "windows-1252"
    case unknownColumn = "unknown-column"
    case renamedColumn = "renamed-column"
    // A record's shape.
    case raggedRecord = "ragged-record"
    case unterminatedQuote = "unterminated-quote"
    case strayQuote = "stray-quote"
    // A cell.
    case missingKey = "missing-key"
    case tooLong = "too-long"
    case invalidID = "invalid-id"
    case scientificNotation = "scientific-notation"
    case invalidDate = "invalid-date"
    case invalidDecimal = "invalid-decimal"
    case negativeNumber = "negative-number"
    case invalidInteger = "invalid-integer"
    case invalidLatitude = "invalid-latitude"
    case invalidLongitude = "invalid-longitude"
    case invalidValue = "invalid-value"
    case invalidFlag = "invalid-flag"
    case invalidState = "invalid-state"
    case invalidCountry = "invalid-country"
    case invalidEmail = "invalid-email"
    case invalidTimezone = "invalid-timezone"
    case invalidAlertCode = "invalid-alert-code"
    case invalidYear = "invalid-year"
    case clearNotAllowed = "clear-not-allowed"
    case unusualPostalCode = "unusual-postal-code"
    case unusualPhone = "unusual-phone"
    case futureYear = "future-year"
    case futureDate = "future-date"
    // A record's fields together.
    case missingOnCreate = "missing-on-create"
    case recommendedBlank = "recommended-blank"
    case endpointTypeMissing = "endpoint-type-missing"
    case removalBeforeInstall = "removal-before-install"
    case endBeforeStart = "end-before-start"
    case lowAboveHigh = "low-above-high"
    case nullIsland = "null-island"
    case incompleteRename = "incomplete-rename"
    // Records together, and the ledger's current state.
    case endpointOnTwoRegisters = "endpoint-on-two-registers"
    case registerConflict = "register-conflict"
    case duplicateRecord = "duplicate-record"
    case duplicateRename = "duplicate-rename"
    case backdatedEntry = "backdated-entry"
    case meterMoved = "meter-moved"
    case endpointMoved = "endpoint-moved"
    case meterReplaced = "meter-replaced"
    case endpointReplaced = "endpoint-replaced"
    case accountChanged = "account-changed"
    case unknownID = "unknown-id"
    case idTaken = "id-taken"

    public var severity: Severity {
        switch self {
        case .noRecords, .windows1252, .unknownColumn, .renamedColumn, .strayQuote, .unusualPostalCode, .unusualPhone,
            .futureYear, .futureDate, .recommendedBlank, .nullIsland, .duplicateRecord, .backdatedEntry, .meterMoved,
            .endpointMoved, .meterReplaced, .endpointReplaced, .accountChanged:
            .warning
        default:
            .error
        }
    }

    /// A warning that the file changes how the network is configured (a meter or endpoint moved or
    /// replaced, an account changed at a service point, an entry backdated): the warnings that a
    /// person should read before the import is approved (spec rule 10), so no policy approves them unread.
    public var isConfigurationChange: Bool {
        switch self {
        case .backdatedEntry, .meterMoved, .endpointMoved, .meterReplaced, .endpointReplaced, .accountChanged: true
        default: false
        }
    }

    /// Found in the header or the file as a whole, not in a record.
    public var isFileLevel: Bool {
        switch self {
        case .emptyFile, .fileTooLarge, .spreadsheetFile, .archiveFile, .binaryFile, .utf16File, .wrongDelimiter, .missingKeyColumn,
            .repeatedColumn, .incompletePair, .noRecords, .windows1252, .unknownColumn, .renamedColumn:
            true
        default:
            false
        }
    }
}
