import Foundation

extension Ledger {
    /// A new session, for `userID` or for nobody yet (a sign-in page), lasting `lifetime`. Any
    /// server on this ledger's database knows it from then on.
    public func startSession(for userID: UUID?, lasting lifetime: TimeInterval, now: Date = Date()) throws -> Session {
        try storage.deleteSessions(expiredBy: now)
        // To the second, as the database keeps it.
        let expires = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + lifetime).rounded(.down))
        let session = Session(token: Session.randomToken(), csrfToken: Session.randomToken(), userID: userID, expires: expires)
        try storage.insertSession(StoredSession(tokenHash: Session.hash(session.token), csrfToken: session.csrfToken, userID: userID, expires: session.expires))
        return session
    }

    /// The session whose token this is, while it lasts.
    public func session(_ token: String, now: Date = Date()) throws -> Session? {
        guard let stored = try storage.session(tokenHash: Session.hash(token)), stored.expires > now else { return nil }
        return Session(token: token, csrfToken: stored.csrfToken, userID: stored.userID, expires: stored.expires)
    }

    public func endSession(_ token: String) throws { try storage.deleteSession(tokenHash: Session.hash(token)) }
}
