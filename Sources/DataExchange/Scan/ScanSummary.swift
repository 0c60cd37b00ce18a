/// The totals of a scan, always exact however many exceptions it found.
public struct ScanSummary: Sendable, Codable, Equatable {
    public var file: String
    public var kind: FileKind
    public var encoding: TextEncoding
    public var specificationVersion: String
    public var bytes: Int
    /// Data records, the header not counted.
    public var records: Int = 0
    /// Records of which at least one component will import.
    public var ready: Int = 0
    public var recordsWithErrors: Int = 0
    public var errors: Int = 0
    public var warnings: Int = 0
    /// Errors that stop the whole file; when above 0 nothing in it can be approved.
    public var fileErrors: Int = 0
    public var byCode: [String: Int] = [:]
    public var byColumn: [String: Int] = [:]
    public var seconds: Double = 0

    public var isImportable: Bool { fileErrors == 0 }

    mutating func count(_ exception: ScanException) {
        switch exception.severity {
        case .error: errors += 1
        case .warning: warnings += 1
        }
        if exception.blocked == .file { fileErrors += 1 }
        byCode[exception.code.rawValue, default: 0] += 1
        if let column = exception.column { byColumn[column, default: 0] += 1 }
    }
}
