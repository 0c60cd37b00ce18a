import Foundation
import Ledger

/// What the API and the page's script are told of an import: the state of the established Data
/// Exchange Import API (`queued|scanning|ready|importing|done|cancelled|failed`), the dry run's
/// counts, and what the test-run line shows.
struct ImportStatusReport: Encodable, Sendable {
    var bdeUUID: String
    var state: String
    var dryRun: Bool
    var importFile: String
    var statusUrl: String
    var reportUrl: String?
    var message: String
    var records: Int?
    var ready: Int?
    var errors: Int?
    var warnings: Int?
    /// Errors and warnings together: the number beside the Exceptions link.
    var exceptions: Int?
    /// Records read so far by the scan or the approval under way.
    var progress: Int?
    var imported: Int?
    var via: String
    var droppedAt: String?
    var droppedByName: String
    var droppedByEmail: String
    var fileUrl: String?
    var exceptionsUrl: String?

    static func statusURL(_ id: UUID) -> String { "/v1/bde/import/\(id.lowercasedString)" }
}

extension ImportJobs {
    /// The import's status, from the work under way or else from the ledger; 404 when neither knows it.
    func status(of id: UUID) async throws -> ImportStatusReport {
        let job = job(id)
        let entry: ActivityEntry?
        do {
            entry = try await offCooperativePool { [ledger] in try ledger.activityEntry(id) }
        } catch let error as LedgerError where error.code == .notFound && job != nil {
            entry = nil
        }
        let key = id.lowercasedString
        var report = ImportStatusReport(
            bdeUUID: key, state: "queued", dryRun: true, importFile: entry?.fileName ?? job?.fileName ?? "", statusUrl: ImportStatusReport.statusURL(id),
            message: "", via: entry?.via ?? job?.actor.via.rawValue ?? "ui", droppedAt: entry?.droppedAt,
            droppedByName: entry?.droppedByName ?? job?.actor.name ?? "", droppedByEmail: entry?.droppedByEmail ?? job?.actor.email ?? "")
        if let entry {
            report.records = entry.records
            report.ready = entry.ready
            report.errors = entry.errors
            report.warnings = entry.warnings
            report.exceptions = entry.errors.map { $0 + (entry.warnings ?? 0) }
            report.imported = entry.imported
            report.fileUrl = "/imports/\(key)/file"
            if entry.reportSha256 != nil {
                report.reportUrl = "/v1/bde/import/\(key)/report"
                report.exceptionsUrl = "/imports/\(key)/exceptions"
            }
        }
        report.progress = job?.progress
        switch (job?.phase, entry?.status) {
        case (.queued?, _):
            report.message = "Waiting for its turn to be scanned."
        case (.scanning?, _):
            report.state = "scanning"
            report.message = "Scanning: \(job?.progress ?? 0) records read."
        case (.importing?, _):
            report.state = "importing"
            report.dryRun = false
            report.message = "Importing: \(job?.progress ?? 0) records read."
        case (.failed(let message)?, _):
            report.state = "failed"
            report.message = message
        case (nil, "scanned"):
            report.state = "ready"
            let fileErrors = entry?.fileErrors ?? 0
            report.message = fileErrors > 0
                ? "The file cannot be imported: \(fileErrors) file-level error(s). Correct it and drop it again."
                : "Dry run done: \(report.ready ?? 0) of \(report.records ?? 0) records are ready to be imported. Approve or cancel."
        case (nil, "approved"):
            report.state = "importing"
            report.dryRun = false
            report.message = "Importing."
        case (nil, "imported"):
            report.state = "done"
            report.dryRun = false
            report.message = "Imported: \(entry?.imported ?? 0) records changed the ledger."
        case (nil, "cancelled"):
            report.state = "cancelled"
            report.message = "Cancelled; nothing was imported." + (entry?.reason.map { " Reason: \($0)" } ?? "")
        default:
            report.state = "failed"
            report.message = "The server stopped before the scan of this file finished; drop the file again."
        }
        return report
    }
}
