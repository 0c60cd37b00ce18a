/// The files a scan writes as it goes: the exceptions report and the fix file, each optional.
public struct ScanOutputs: ScanObserver {
    public var report: ExceptionReportWriter?
    public var fixFile: FixFileWriter?
    /// The exceptions about the file as a whole: few, and worth showing in full.
    public private(set) var fileExceptions: [ScanException] = []

    public init(report: ExceptionReportWriter? = nil, fixFile: FixFileWriter? = nil) {
        self.report = report
        self.fixFile = fixFile
    }

    public mutating func scanner(found exception: ScanException) throws {
        fileExceptions.append(exception)
        try report?.scanner(found: exception)
    }

    public mutating func scanner(readHeader header: Header) throws {
        try fixFile?.scanner(readHeader: header)
    }

    public mutating func scanner(scanned record: ScannedRecord) throws {
        try report?.scanner(scanned: record)
        try fixFile?.scanner(scanned: record)
    }

    public func finish(summary: ScanSummary) throws {
        try report?.finish(summary: summary)
        try fixFile?.finish()
    }
}
