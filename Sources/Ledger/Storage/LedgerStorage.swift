import Foundation

/// The one way the ledger is to reach its database (docs/decisions/0022): one method per
/// invariant-keeping transaction or read, so that SQLite and PostgreSQL can each keep the
/// invariants their own way. Concerns move behind it one at a time; those that have not yet (the
/// log, the projections, blobs, leases) still go through `SQLiteEventStore`.
public protocol LedgerStorage: Sendable {
    // MARK: Sessions: shared by every server on the database, so that a restart or another
    // server keeps people signed in. Not events: a session is a bearer secret, not history.

    /// Keeps a new session.
    func insertSession(_ session: StoredSession) throws
    /// The session whose token hashes to `tokenHash`, expired or not.
    func session(tokenHash: String) throws -> StoredSession?
    func deleteSession(tokenHash: String) throws
    /// Ends every session of a person: their access was withdrawn or their password changed.
    func deleteSessions(of userID: UUID) throws
    func deleteSessions(expiredBy now: Date) throws
}

/// A session as the database keeps it: the SHA-256 of its token, never the token, so that a copy
/// of the database signs nobody in.
public struct StoredSession: Sendable, Equatable {
    public var tokenHash: String
    public var csrfToken: String
    public var userID: UUID?
    public var expires: Date
}
