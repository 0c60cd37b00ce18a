/// What an exception stops from importing.
public enum Blocked: Sendable, Hashable {
    /// A warning: everything imports.
    case nothing
    /// These components of the record do not import; `.all` is the whole record.
    case components(Components)
    /// Nothing in the file can be approved.
    case file
}

/// One line of the exceptions report: an error or a warning, where it is, and what to do.
public struct ScanException: Sendable, Hashable {
    /// Values are cut to this many characters in the report.
    public static let maximumValueLength = 200

    public var code: ExceptionCode
    /// The data record (from 1); nil for the file as a whole.
    public var record: Int?
    /// The physical line on which the record starts; nil for the file as a whole.
    public var line: Int?
    public var column: String?
    /// The value as found, cut at `maximumValueLength` characters.
    public var value: String?
    /// What was found and what is expected.
    public var message: String
    public var blocked: Blocked

    public init(
        _ code: ExceptionCode, record: Int? = nil, line: Int? = nil, column: String? = nil, value: String? = nil,
        message: String, blocked: Blocked? = nil
    ) {
        self.code = code
        self.record = record
        self.line = line
        self.column = column
        self.value = value.map { $0.unicodeScalars.count > Self.maximumValueLength ? String(String.UnicodeScalarView($0.unicodeScalars.prefix(Self.maximumValueLength))) : $0 }
        self.message = message
        self.blocked = blocked ?? (code.severity == .warning ? .nothing : code.isFileLevel ? .file : .components(.all))
    }

    public var severity: Severity { code.severity }
}

extension String {
    /// The value as a message quotes it: long values are cut, so the message stays readable.
    var abbreviated: String {
        unicodeScalars.count <= 40 ? self : String(String.UnicodeScalarView(unicodeScalars.prefix(39))) + "…"
    }
}
