/// The files a scan writes as it goes: exceptions reports and the fix file, each optional.
public struct ScanOutputs: ScanObserver {
    public var reports: [ExceptionReportWriter]
    public var fixFile: FixFileWriter?
    /// Each record's outcome, when the scan is a dry run that an approval may apply.
    public var outcomes: RecordOutcomes?
    /// The exceptions about the file as a whole: few, and worth showing in full.
    public private(set) var fileExceptions: [ScanException] = []

    public init(reports: [ExceptionReportWriter] = [], fixFile: FixFileWriter? = nil, outcomes: RecordOutcomes? = nil) {
        self.reports = reports
        self.fixFile = fixFile
        self.outcomes = outcomes
    }

    public mutating func scanner(found exception: ScanException) throws {
        fileExceptions.append(exception)
        for index in reports.indices { try reports[index].scanner(found: exception) }
    }

    public mutating func scanner(readHeader header: Header) throws {
        try fixFile?.scanner(readHeader: header)
    }

    public mutating func scanner(scanned record: ScannedRecord) throws {
        for index in reports.indices { try reports[index].scanner(scanned: record) }
        try fixFile?.scanner(scanned: record)
        try outcomes?.scanner(scanned: record)
    }

    public func finish(summary: ScanSummary) throws {
        for report in reports { try report.finish(summary: summary) }
        try fixFile?.finish()
    }
}
