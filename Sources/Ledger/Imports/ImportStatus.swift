import Foundation

/// Where an import is in its life: dropped and scanned, approved and being applied, imported,
/// cancelled, failed, or imported and then reverted.
public enum ImportStatus: String, Sendable, Codable {
    case scanned, approved, imported, cancelled, failed, reverted
}

/// An import's state, folded from its stream's events: what the commands decide on.
public struct ImportState: Sendable {
    public var id: UUID
    public var version: Int64 = 0
    public var status: ImportStatus?
    public var uploaded: FileUploaded?
    public var scan: ScanCompleted?
    /// What approving it would change, once worked out after the scan.
    public var changes: ChangesPreviewed?

    public init(id: UUID) { self.id = id }

    public static func stream(_ id: UUID) -> String { "import-\(id.lowercasedString)" }

    /// Where an approval appends what each record changed: apart from the import's own events,
    /// so that reading an import's state reads a handful of events, not one per record.
    public static func changesStream(_ id: UUID) -> String { stream(id) + "-changes" }

    /// Where a revert appends the changes that put back what the import's records changed.
    public static func revertStream(_ id: UUID) -> String { stream(id) + "-revert" }

    /// Applies one event of the import's stream.
    public mutating func evolve(_ event: RecordedEvent, coder: EventCoder = .ledger) throws {
        version = event.version
        if let uploaded = try coder.decode(event, as: FileUploaded.self) {
            self.uploaded = uploaded
        } else if let scan = try coder.decode(event, as: ScanCompleted.self) {
            // An approval's fresh scan comes among its changes; the import stays approved.
            self.scan = scan
            if status == nil { status = .scanned }
        } else if let changes = try coder.decode(event, as: ChangesPreviewed.self) {
            self.changes = changes
        } else if try coder.decode(event, as: ImportCancelled.self) != nil {
            status = .cancelled
        } else if try coder.decode(event, as: ImportApproved.self) != nil {
            status = .approved
        } else if try coder.decode(event, as: ImportCompleted.self) != nil {
            status = .imported
        } else if try coder.decode(event, as: ImportFailed.self) != nil {
            status = .failed
        } else if try coder.decode(event, as: ImportReverted.self) != nil {
            status = .reverted
        }
    }

    /// Refuses an approval that the import's state does not allow.
    public func decideApprove() throws(LedgerError) {
        switch status {
        case .scanned:
            if let scan, scan.fileErrors > 0 {
                throw LedgerError(.invalidState, "Import \(id.lowercasedString) has \(scan.fileErrors) file-level error(s); nothing in it can be approved. Correct the file and drop it again.")
            }
        case nil: throw LedgerError(.invalidState, "Import \(id.lowercasedString) has not been scanned yet.")
        case .cancelled: throw LedgerError(.invalidState, "Import \(id.lowercasedString) is cancelled; a cancelled import cannot be approved.")
        case .approved, .imported: throw LedgerError(.invalidState, "Import \(id.lowercasedString) is already approved; approving it again changes nothing.")
        case .failed: throw LedgerError(.invalidState, "Import \(id.lowercasedString) failed; drop the file again.")
        case .reverted:
            throw LedgerError(.invalidState, "Import \(id.lowercasedString) was reverted; a reverted import cannot be approved again. Drop its file again as a new import.")
        }
    }

    /// Refuses a revert that the import's state does not allow: only an imported import has
    /// changes to put back.
    public func decideRevert() throws(LedgerError) {
        switch status {
        case .imported: return
        case .reverted: throw LedgerError(.invalidState, "Import \(id.lowercasedString) is reverted already.")
        case .approved: throw LedgerError(.invalidState, "Import \(id.lowercasedString) is being approved; revert it once it is imported.")
        case nil, .scanned, .cancelled, .failed:
            throw LedgerError(.invalidState, "Import \(id.lowercasedString) was not imported; there is nothing to revert.")
        }
    }

    /// Refuses a cancellation that the import's state does not allow.
    public func decideCancel() throws(LedgerError) {
        switch status {
        case .scanned: return
        case nil: throw LedgerError(.invalidState, "Import \(id.lowercasedString) has not been scanned yet; there is nothing to cancel.")
        case .cancelled: throw LedgerError(.invalidState, "Import \(id.lowercasedString) is already cancelled.")
        case .approved, .imported: throw LedgerError(.invalidState, "Import \(id.lowercasedString) is approved; an approved import cannot be cancelled.")
        case .failed: throw LedgerError(.invalidState, "Import \(id.lowercasedString) failed; there is nothing to cancel.")
        case .reverted: throw LedgerError(.invalidState, "Import \(id.lowercasedString) was imported and reverted; there is nothing to cancel.")
        }
    }
}
