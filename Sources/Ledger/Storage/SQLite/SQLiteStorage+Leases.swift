import Foundation

/// Leases as lock files beside the ledger, where they have always been (`<ledger>.blobs/incoming`),
/// so that a ledger's older processes and newer ones see each other's work.
extension SQLiteStorage {
    private var leaseFolder: URL { URL(fileURLWithPath: store.path + ".blobs").appendingPathComponent("incoming") }

    func lease(_ work: LeasedWork, of importID: UUID) throws -> (any WorkLease)? {
        FileLease.take(work, importID, in: leaseFolder)
    }

    func abandonedApprovals() throws -> [UUID] {
        FileLease.abandoned(.approving, in: leaseFolder)
    }
}
