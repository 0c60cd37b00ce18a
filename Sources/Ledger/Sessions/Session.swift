import Crypto
import Foundation

/// A browser's session: whose it is (nobody yet on the sign-in page) and the token every form
/// post and every call of the page's script must carry.
public struct Session: Sendable, Equatable {
    public let token: String
    public let csrfToken: String
    public let userID: UUID?
    public let expires: Date

    /// What the database keeps of a token: its SHA-256, in hexadecimal.
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 256 random bits, URL-safe.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
