import Foundation

/// A browser's session: whose it is (nobody yet on the sign-in page) and the token every form
/// post and every call of the page's script must carry.
public struct Session: Sendable {
    public let token: String
    public let csrfToken: String
    public let userID: UUID?
    let expires: Date
}

/// The sessions of signed-in browsers, in memory: a restart signs everyone out, which a
/// utility's staff accept (docs/decisions/0101). Tokens are 256 random bits.
public actor SessionStore {
    let lifetime: TimeInterval
    private var sessions: [String: Session] = [:]

    public init(lifetime: TimeInterval = 8 * 3600) { self.lifetime = lifetime }

    /// A new session, for `userID` or for nobody yet. Signing in always starts a new one, so a
    /// token planted before sign-in is worth nothing after.
    public func start(for userID: UUID?) -> Session {
        removeExpired()
        // A sign-in page's session only has to last while a person types.
        let expires = Date().addingTimeInterval(userID == nil ? min(lifetime, 1800) : lifetime)
        let session = Session(token: Self.randomToken(), csrfToken: Self.randomToken(), userID: userID, expires: expires)
        sessions[session.token] = session
        return session
    }

    public func session(_ token: String) -> Session? {
        guard let session = sessions[token] else { return nil }
        guard session.expires > Date() else {
            sessions[token] = nil
            return nil
        }
        return session
    }

    public func end(_ token: String) { sessions[token] = nil }

    /// Ends every session of a user whose access was withdrawn or whose password changed.
    public func endAll(of userID: UUID) { sessions = sessions.filter { $0.value.userID != userID } }

    private func removeExpired() {
        let now = Date()
        sessions = sessions.filter { $0.value.expires > now }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
