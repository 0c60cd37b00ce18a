import DataExchange
import Foundation

/// A file was dropped and stored, before anything else happened to it.
public struct FileUploaded: EventPayload, Equatable {
    public static let type = "FileUploaded"
    public static let schemaVersion = 1
    public var importID: UUID
    public var fileName: String
    public var file: BlobReference
    public var kind: FileKind
}

/// The dry run of an import: its totals and its exceptions report.
public struct ScanCompleted: EventPayload, Equatable {
    public static let type = "ScanCompleted"
    public static let schemaVersion = 1
    public var importID: UUID
    public var kind: FileKind
    public var encoding: TextEncoding
    public var specificationVersion: String
    public var records: Int
    public var ready: Int
    public var recordsWithErrors: Int
    public var errors: Int
    public var warnings: Int
    public var fileErrors: Int
    public var byCode: [String: Int]
    public var byColumn: [String: Int]
    /// The exceptions report, CSV.
    public var report: BlobReference
    /// The last position of the log when the scan read the ledger: approving later re-scans when
    /// the ledger changed since.
    public var ledgerPosition: Int64
    /// An import already applied from the very same file, if any.
    public var sameFileAs: UUID?
    /// Each record's outcome (`RecordOutcomes`): an approval against the same ledger applies
    /// them instead of checking every cell again. Absent from scans recorded before it existed.
    public var outcomes: BlobReference?
}

/// What approving the import would change, worked out after its scan (or by an approval that
/// scanned it again) against the ledger at `ledgerPosition`.
public struct ChangesPreviewed: EventPayload, Equatable {
    public static let type = "ChangesPreviewed"
    public static let schemaVersion = 1
    public var importID: UUID
    public var ledgerPosition: Int64
    public var preview: ChangePreview
}

extension ScanCompleted {
    /// The record of a scan's summary.
    init(importID: UUID, summary: ScanSummary, report: BlobReference, ledgerPosition: Int64, sameFileAs: UUID?, outcomes: BlobReference?) {
        self.init(
            importID: importID, kind: summary.kind, encoding: summary.encoding, specificationVersion: summary.specificationVersion,
            records: summary.records, ready: summary.ready, recordsWithErrors: summary.recordsWithErrors, errors: summary.errors,
            warnings: summary.warnings, fileErrors: summary.fileErrors, byCode: summary.byCode, byColumn: summary.byColumn, report: report,
            ledgerPosition: ledgerPosition, sameFileAs: sameFileAs, outcomes: outcomes)
    }
}

public struct ImportCancelled: EventPayload, Equatable {
    public static let type = "ImportCancelled"
    public static let schemaVersion = 1
    public var importID: UUID
    public var reason: String?
}

/// An approval that a stopped process left unfinished: its transaction was rolled back, so
/// nothing of it was imported, and the import can be approved again. Recorded so that the audit
/// trail shows that someone approved and the approval did not happen.
public struct ApprovalInterrupted: EventPayload, Equatable {
    public static let type = "ApprovalInterrupted"
    public static let schemaVersion = 1
    public var importID: UUID
}

/// An import that cannot go on: its scan broke off, or the file no longer scans without
/// file-level errors when its approval scans it again. Nothing of it was imported.
public struct ImportFailed: EventPayload, Equatable {
    public static let type = "ImportFailed"
    public static let schemaVersion = 1
    public var importID: UUID
    public var reason: String
}

/// An imported import taken back: the events before it put back every value it set, removed
/// every entity it created and undid every rename it made, record by record, last first.
public struct ImportReverted: EventPayload, Equatable {
    public static let type = "ImportReverted"
    public static let schemaVersion = 1
    public var importID: UUID
    public var reason: String
    /// The records whose changes were put back.
    public var records: Int
}
