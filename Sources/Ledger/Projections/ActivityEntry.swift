import Foundation

/// One line of the Activity List: an import, what it held, who did what with it, and when.
public struct ActivityEntry: Sendable, Codable, Equatable {
    public var id: String
    public var fileName: String
    public var size: Int
    public var sha256: String
    public var kind: String
    public var via: String
    public var status: String
    public var droppedAt: String
    public var droppedByName: String
    public var droppedByEmail: String
    public var records: Int?
    public var ready: Int?
    public var errors: Int?
    public var warnings: Int?
    public var fileErrors: Int?
    public var imported: Int?
    public var unchanged: Int?
    public var skipped: Int?
    public var decidedByName: String?
    public var decidedByEmail: String?
    public var decidedAt: String?
    public var reason: String?
    public var reportSha256: String?
    public var reportSize: Int?
    /// Who took the import back, and when (`reason` says why).
    public var revertedByName: String?
    public var revertedByEmail: String?
    public var revertedAt: String?
    /// What approving it changes, in one sentence ("12 change-outs, 1,204 field updates,
    /// 165,431 unchanged"), once worked out.
    public var changes: String?

    /// Who decided, as the list says it: "approved by Ada Lovelace", "approved by policy
    /// auto-when-clean", "cancelled by Ada Lovelace", "approved by Ada Lovelace, reverted by
    /// Bob"; nil while nobody has.
    public var decision: String? {
        let decided = decidedByName.map { name in "\(status == "cancelled" ? "cancelled" : "approved") by \(name)" }
        guard let revertedByName else { return decided }
        return [decided, "reverted by \(revertedByName)"].compactMap { $0 }.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey {
        case id, fileName = "file_name", size, sha256, kind, via, status, droppedAt = "dropped_at", droppedByName = "dropped_by_name"
        case droppedByEmail = "dropped_by_email", records, ready, errors, warnings, fileErrors = "file_errors", imported, unchanged, skipped
        case decidedByName = "decided_by_name", decidedByEmail = "decided_by_email", decidedAt = "decided_at", reason
        case reportSha256 = "report_sha256", reportSize = "report_size"
        case revertedByName = "reverted_by_name", revertedByEmail = "reverted_by_email", revertedAt = "reverted_at", changes
    }
}
