import Foundation
import Ledger

/// The sessions of signed-in browsers, kept in the ledger's database (docs/decisions/0101 and
/// 0022): a restart, or another server on the same database, keeps people signed in.
struct SessionStore: Sendable {
    let ledger: ServedLedger
    var lifetime: TimeInterval = 8 * 3600

    /// A new session, for `userID` or for nobody yet. Signing in always starts a new one, so a
    /// token planted before sign-in is worth nothing after.
    func start(for userID: UUID?) async throws -> Session {
        // A sign-in page's session only has to last while a person types.
        let lifetime = userID == nil ? min(lifetime, 1800) : lifetime
        return try await ledger.run { try $0.startSession(for: userID, lasting: lifetime) }
    }

    func session(_ token: String) async throws -> Session? {
        try await ledger.run { try $0.session(token) }
    }

    func end(_ token: String) async throws {
        try await ledger.run { try $0.endSession(token) }
    }
}
