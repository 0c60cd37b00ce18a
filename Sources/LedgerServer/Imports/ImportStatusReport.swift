import Foundation
import Ledger

/// What the API and the page's script are told of an import. `state`, `dryRun` and `message`
/// follow the established Data Exchange Import API, whose clients poll until `done`: a finished
/// dry run is `done` with `dryRun: true`, an imported file `done` with `dryRun: false`. `stage`
/// is the finer stage the page and new clients read, and `detail` says it to a person.
struct ImportStatusReport: Encodable, Sendable {
    var bdeUUID: String
    /// `queued`, `scanning`, `importing`, `done`, `cancelled` or `failed`.
    var state: String
    /// `queued`, `scanning`, `ready` (the dry run is done; approve or cancel), `rejected` (file-level
    /// errors: it cannot be imported), `importing`, `imported`, `reverted`, `cancelled` or `failed`.
    var stage: String
    var dryRun: Bool
    var importFile: String
    var statusUrl: String
    var reportUrl: String?
    /// The established API's: `import operation succeeded` once `done`; else the same as `detail`.
    var message: String
    var detail: String
    var records: Int?
    var ready: Int?
    var errors: Int?
    var warnings: Int?
    /// Errors and warnings together: the number beside the Exceptions link.
    var exceptions: Int?
    /// How much of the file the scan or the approval under way has read, in percent.
    var progress: Int?
    var imported: Int?
    var via: String
    var droppedAt: String?
    var droppedByName: String
    var droppedByEmail: String
    var fileUrl: String?
    var exceptionsUrl: String?
    /// What approving it changes, in one sentence, once worked out; the page that lists every
    /// change and the API route that pages through them.
    var changes: String?
    var changesPage: String?
    var changesUrl: String?
    /// Who approved or cancelled it: "approved by policy auto-when-clean", "cancelled by Ada".
    var decision: String?

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
            bdeUUID: key, state: "queued", stage: "queued", dryRun: true, importFile: entry?.fileName ?? job?.fileName ?? "",
            statusUrl: ImportStatusReport.statusURL(id), message: "", detail: "", via: entry?.via ?? job?.actor.via.rawValue ?? "ui", droppedAt: entry?.droppedAt,
            droppedByName: entry?.droppedByName ?? job?.actor.name ?? "", droppedByEmail: entry?.droppedByEmail ?? job?.actor.email ?? "")
        if let entry {
            report.records = entry.records
            report.ready = entry.ready
            report.errors = entry.errors
            report.warnings = entry.warnings
            report.exceptions = entry.errors.map { $0 + (entry.warnings ?? 0) }
            report.imported = entry.imported
            report.decision = entry.decision
            report.fileUrl = "/imports/\(key)/file"
            if let changes = entry.changes {
                report.changes = changes
                report.changesPage = "/imports/\(key)/changes"
                report.changesUrl = "/v1/bde/import/\(key)/changes"
            }
            if entry.reportSha256 != nil {
                report.reportUrl = "/v1/bde/import/\(key)/report"
                report.exceptionsUrl = "/imports/\(key)/exceptions"
            }
        }
        report.progress = job.map(\.percentRead)
        let read = "\(report.progress ?? 0)% of the file read"
        switch (job?.phase, entry?.status) {
        case (.queued?, _):
            report.set("queued", "queued", "Waiting for its turn to be scanned.")
        case (.scanning?, "scanned"):
            report.set("scanning", "scanning", "Scanned; working out what approving it would change.")
        case (.scanning?, _):
            report.set("scanning", "scanning", "Scanning: \(read).")
        case (.importing?, _):
            report.set("importing", "importing", "Importing: \(read).", dryRun: false)
        case (.failed(let message)?, _):
            report.set("failed", "failed", message)
        case (nil, "scanned"):
            let fileErrors = entry?.fileErrors ?? 0
            if fileErrors > 0 {
                report.set("failed", "rejected", "The file cannot be imported: \(fileErrors) file-level error(s). Correct it and drop it again.")
            } else {
                report.set("done", "ready", "Dry run done: \(report.ready ?? 0) of \(report.records ?? 0) records are ready to be imported. Approve or cancel.")
            }
        case (nil, "approved"):
            report.set("importing", "importing", "Importing.", dryRun: false)
        case (nil, "imported"):
            report.set("done", "imported", "Imported: \(entry?.imported ?? 0) records changed the ledger.", dryRun: false)
        case (nil, "reverted"):
            report.set(
                "done", "reverted",
                "Reverted by \(entry?.revertedByName ?? "someone"): what its records changed was put back." + (entry?.reason.map { " Reason: \($0)" } ?? ""),
                dryRun: false)
        case (nil, "cancelled"):
            report.set("cancelled", "cancelled", "Cancelled; nothing was imported." + (entry?.reason.map { " Reason: \($0)" } ?? ""))
        case (nil, "uploaded"):
            // Scanned by another server on the same database: a scan that no server runs any
            // more is found by the servers (`ImportWorkService`) and recorded as failed.
            report.set("scanning", "scanning", "Being scanned by another server.")
        default:
            report.set("failed", "failed", entry?.reason.map { "\($0)" } ?? "The scan of this file did not finish; drop the file again.")
        }
        return report
    }
}

extension ImportStatusReport {
    /// The established API's state, the finer stage, and the sentence for a person.
    mutating func set(_ state: String, _ stage: String, _ detail: String, dryRun: Bool = true) {
        self.state = state
        self.stage = stage
        self.detail = detail
        self.dryRun = dryRun
        message = state == "done" ? "import operation succeeded" : detail
    }
}
