import Foundation

/// Leases as session-level advisory locks, so that the servers sharing the database see each
/// other's scans and approvals, and a server that dies (`kill -9` included) loses its
/// connections and so its leases (docs/decisions/0025).
extension PostgreSQLStorage {
    func lease(_ work: LeasedWork, of importID: UUID) throws -> (any WorkLease)? {
        do {
            // Not from the pool: the lock is held for the work's length, and closing this
            // connection is what releases it.
            let connection = try pool.connectionOfItsOwn()
            let key = Self.leaseKey(work, importID)
            guard try connection.tryLockAdvisory(key: key) else { return nil }
            guard work == .approving else { return PostgreSQLLease(connection: connection, inProgress: nil) }
            let row: [PostgreSQLValue?] = [.text(importID.lowercasedString), .text(work.rawValue)]
            try connection.execute(
                """
                INSERT INTO work_in_progress (import_id, work, started_at) VALUES ($1, $2, $3)
                ON CONFLICT (import_id, work) DO UPDATE SET started_at = excluded.started_at
                """,
                row + [.text(Timestamp.text(Date()))])
            return PostgreSQLLease(connection: connection, inProgress: row)
        } catch let error as PostgreSQLError {
            throw Self.failure(error)
        }
    }

    func abandonedApprovals() throws -> [UUID] {
        try read { connection in
            try connection.execute("SELECT import_id FROM work_in_progress WHERE work = $1", [.text(LeasedWork.approving.rawValue)]).compactMap { row -> UUID? in
                guard let id = UUID(uuidString: try row.value(0)) else { return nil }
                // Taken and given back at once: whoever records the approval's end takes it again.
                let key = Self.leaseKey(.approving, id)
                guard try connection.tryLockAdvisory(key: key) else { return nil }
                try connection.unlockAdvisory(key: key)
                return id
            }
        }
    }

    /// The import id's first 64 bits, told apart by the work: a random id gives a key no other
    /// import's lease, nor the ledger's own locks, will meet.
    static func leaseKey(_ work: LeasedWork, _ importID: UUID) -> Int64 {
        let bytes = importID.uuid
        let high = [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5, bytes.6, bytes.7].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let workBits: UInt64 = switch work {
        case .scanning: 0x7363_616E_6E69_6E67
        case .approving: 0x6170_7072_6F76_696E
        case .delivering: 0x6465_6C69_7665_7269
        case .intake: 0x696E_7461_6B65_696E
        }
        return Int64(bitPattern: high ^ workBits)
    }
}

/// A lease held by a connection of its own; released (its approval's row deleted, its connection
/// closed) when it is no longer referenced.
final class PostgreSQLLease: WorkLease {
    private var connection: PostgreSQLConnection?
    /// The approval's row in `work_in_progress`: its import id and work.
    private let inProgress: [PostgreSQLValue?]?

    init(connection: PostgreSQLConnection, inProgress: [PostgreSQLValue?]?) {
        self.connection = connection
        self.inProgress = inProgress
    }

    deinit {
        guard let connection, let inProgress else { return }
        _ = try? connection.execute("DELETE FROM work_in_progress WHERE import_id = $1 AND work = $2", inProgress)
    }

    /// Ends the lease as a server killed in the middle does: its connection closes, so its lock
    /// goes, and its row stays. For tests.
    func endAsIfKilled() {
        connection = nil
    }
}
