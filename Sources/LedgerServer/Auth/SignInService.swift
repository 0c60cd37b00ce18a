import Crypto
import Foundation
import Ledger

/// Checks e-mails and passwords against the users projection, records every sign-in and every
/// refusal in the log, and slows refusals down so that guessing is slow.
public actor SignInService {
    let ledger: Ledger
    let passwords: Passwords
    /// How long a refused sign-in waits before answering.
    let refusalDelay: Duration
    /// Basic authentication sends the password with every call; bcrypt on each would cost a
    /// quarter second of CPU per call. A check that passed is remembered for a while, keyed by
    /// the e-mail, the password and the stored hash, so a reset or a new password forgets it.
    private var verified: [String: Date] = [:]
    private let verifiedLifetime: TimeInterval = 300

    public init(ledger: Ledger, passwords: Passwords, refusalDelay: Duration = .seconds(1)) {
        self.ledger = ledger
        self.passwords = passwords
        self.refusalDelay = refusalDelay
    }

    /// The active user whose e-mail and password these are; records the sign-in, or records the
    /// refusal, waits, and throws 401. `remembered` skips recording a repeated API call.
    public func signIn(email: String, password: String, via: Actor.Via, clientAddress: String?) async throws -> UserAccount {
        let account = try ledger.user(email: email)
        let key = account.map { Self.cacheKey(email: email, password: password, hash: $0.passwordHash) }
        if let account, !account.disabled, let key, let until = verified[key], until > Date() { return account }
        let matches: Bool
        if let account { matches = await passwords.verify(password, against: account.passwordHash) } else { matches = false }
        guard let account, matches, !account.disabled else {
            let reason = account == nil ? "unknown e-mail" : matches ? "user disabled" : "wrong password"
            try ledger.recordFailedSignIn(email: email, reason: reason, via: via, clientAddress: clientAddress)
            try await Task.sleep(for: refusalDelay)
            throw ServerError(.unauthorized, "The e-mail or the password is wrong, or the account is disabled.")
        }
        try ledger.recordSignIn(account, via: via, clientAddress: clientAddress)
        if let key { verified[key] = Date().addingTimeInterval(verifiedLifetime) }
        return account
    }

    static func cacheKey(email: String, password: String, hash: String) -> String {
        SHA256.hash(data: Data("\(email.lowercased())\u{0}\(password)\u{0}\(hash)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
