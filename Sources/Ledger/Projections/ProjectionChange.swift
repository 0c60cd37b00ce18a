import Foundation

/// What one event changes in the projections that follow the log event by event (the Activity
/// List, the users, the state's last change), worked out once for every backend; each backend
/// writes it in its own SQL (docs/decisions/0022). An approval's record changes are not here:
/// they are folded (`StateFold`, `HistoryProjection.Batch`) and written once at the end.
enum ProjectionChange: Sendable, Equatable {
    /// A new line in the Activity List.
    case importUploaded(id: String, fileName: String, size: Int, sha256: String, kind: String, via: String, at: String, byName: String, byEmail: String, position: Int64)
    case importScanned(id: String, records: Int, ready: Int, errors: Int, warnings: Int, fileErrors: Int, reportSHA256: String, reportSize: Int)
    case importApproved(id: String, byName: String, byEmail: String, at: String)
    /// What approving it would change, as the Activity List says it.
    case importPreviewed(id: String, changes: String)
    /// Also the last change to the state: a scan made before it is stale.
    case importCompleted(id: String, imported: Int, unchanged: Int, skipped: Int, position: Int64)
    case importCancelled(id: String, byName: String, byEmail: String, at: String, reason: String?)
    case importFailed(id: String, reason: String)
    /// Also the last change to the state, as a completion is.
    case importReverted(id: String, byName: String, byEmail: String, at: String, reason: String, position: Int64)
    case userCreated(id: String, name: String, email: String, role: String, at: String)
    case userDisabled(id: String)
    case userSignedIn(id: String, at: String)

    /// What `event` changes; nil for an event no such projection follows.
    init?(_ event: RecordedEvent, coder: EventCoder) throws {
        let at = Timestamp.text(event.recordedAt)
        let actor = event.metadata.actor
        if let uploaded = try coder.decode(event, as: FileUploaded.self) {
            self = .importUploaded(
                id: uploaded.importID.lowercasedString, fileName: uploaded.fileName, size: uploaded.file.size, sha256: uploaded.file.sha256,
                kind: uploaded.kind.rawValue, via: actor.via.rawValue, at: at, byName: actor.name, byEmail: actor.email, position: event.position)
        } else if let scan = try coder.decode(event, as: ScanCompleted.self) {
            self = .importScanned(
                id: scan.importID.lowercasedString, records: scan.records, ready: scan.ready, errors: scan.errors, warnings: scan.warnings,
                fileErrors: scan.fileErrors, reportSHA256: scan.report.sha256, reportSize: scan.report.size)
        } else if let previewed = try coder.decode(event, as: ChangesPreviewed.self) {
            self = .importPreviewed(id: previewed.importID.lowercasedString, changes: previewed.preview.counts.sentence)
        } else if let approved = try coder.decode(event, as: ImportApproved.self) {
            self = .importApproved(id: approved.importID.lowercasedString, byName: actor.name, byEmail: actor.email, at: at)
        } else if let completed = try coder.decode(event, as: ImportCompleted.self) {
            self = .importCompleted(
                id: completed.importID.lowercasedString, imported: completed.imported, unchanged: completed.unchanged, skipped: completed.skipped,
                position: event.position)
        } else if let cancelled = try coder.decode(event, as: ImportCancelled.self) {
            self = .importCancelled(id: cancelled.importID.lowercasedString, byName: actor.name, byEmail: actor.email, at: at, reason: cancelled.reason)
        } else if let failed = try coder.decode(event, as: ImportFailed.self) {
            self = .importFailed(id: failed.importID.lowercasedString, reason: failed.reason)
        } else if let reverted = try coder.decode(event, as: ImportReverted.self) {
            self = .importReverted(
                id: reverted.importID.lowercasedString, byName: actor.name, byEmail: actor.email, at: at, reason: reverted.reason, position: event.position)
        } else if let created = try coder.decode(event, as: UserCreated.self) {
            self = .userCreated(id: created.userID.lowercasedString, name: created.name, email: created.email, role: created.role.rawValue, at: at)
        } else if let disabled = try coder.decode(event, as: UserDisabled.self) {
            self = .userDisabled(id: disabled.userID.lowercasedString)
        } else if let signedIn = try coder.decode(event, as: SignedIn.self) {
            self = .userSignedIn(id: signedIn.userID.lowercasedString, at: at)
        } else {
            return nil
        }
    }
}
