import Crypto
import Foundation
import Ledger
import Logging

/// Checks e-mails and passwords against the users projection, records every sign-in and the
/// refusals against an account in the log (repeated ones counted, not each recorded), and slows
/// refusals down so that guessing is slow.
public actor SignInService {
    let ledger: ServedLedger
    let passwords: Passwords
    /// How long a first refused sign-in waits before answering; each further refusal for the same
    /// e-mail within a quarter of an hour waits twice as long, up to 32 times.
    let refusalDelay: Duration
    /// Recent refusals by e-mail, and by client address: guessing slows down per person and per
    /// machine, so that trying many e-mails from one place is slowed too.
    private var refusals: [String: (count: Int, last: Date)] = [:]
    private var repeatedRefusals: RepeatedRefusals
    /// A bcrypt hash that no password matches, checked for an e-mail that names nobody, so that a
    /// refusal takes as long whether the e-mail has an account or not.
    private var unknownAccountHash: String?
    /// Basic authentication sends the password with every call; bcrypt on each would cost a
    /// quarter second of CPU per call. A check that passed is remembered for a while, keyed by
    /// the e-mail, the password and the stored hash, so a reset or a new password forgets it.
    private var verified: [String: Date] = [:]
    private let verifiedLifetime: TimeInterval = 300

    private let logger: Logger

    public init(
        ledger: Ledger, passwords: Passwords, refusalDelay: Duration = .seconds(1), repeatedRefusalWindow: Duration = .seconds(900),
        logger: Logger = Logger(label: "ledger.sign-in")
    ) {
        self.ledger = ServedLedger(ledger)
        self.passwords = passwords
        self.refusalDelay = refusalDelay
        self.repeatedRefusals = RepeatedRefusals(window: repeatedRefusalWindow / .seconds(1))
        self.logger = logger
    }

    /// The active user whose e-mail and password these are; records the sign-in, or records the
    /// refusal, waits, and throws 401. `remembered` skips recording a repeated API call.
    public func signIn(email: String, password: String, via: Actor.Via, clientAddress: String?) async throws -> UserAccount {
        try await record(repeatedRefusals.ended(by: Date()))
        let account = try await ledger.run { try $0.user(email: email) }
        let key = account.map { Self.cacheKey(email: email, password: password, hash: $0.passwordHash) }
        if let account, !account.disabled, let key, let until = verified[key], until > Date() { return account }
        let hash: String
        if let account { hash = account.passwordHash } else { hash = try await unknownAccount() }
        let checked = await passwords.verify(password, against: hash)
        let matches = account != nil && checked
        guard let account, matches, !account.disabled else {
            if let account {
                let reason = matches ? "user disabled" : "wrong password"
                if repeatedRefusals.count(account, reason: reason, via: via, clientAddress: clientAddress, at: Date()) {
                    try await ledger.run { try $0.recordFailedSignIn(email: email, reason: reason, via: via, clientAddress: clientAddress) }
                } else {
                    logger.notice("refused sign-in, counted", metadata: ["email": "\(email)", "client": "\(clientAddress ?? "")", "reason": "\(reason)"])
                }
            } else {
                // Not about anyone who has access: the server's log, not the ledger's, which
                // never forgets (500 made-up e-mails would be 500 events for ever).
                logger.notice("refused sign-in with an unknown e-mail", metadata: ["email": "\(email)", "client": "\(clientAddress ?? "")", "via": "\(via.rawValue)"])
            }
            let refused = max(countRefusal(of: "e-mail " + email.lowercased()), clientAddress.map { countRefusal(of: "address " + $0) } ?? 0)
            try await Task.sleep(for: refusalDelay * (1 << min(refused - 1, 5)))
            throw ServerError(.unauthorized, "The e-mail or the password is wrong, or the account is disabled.")
        }
        refusals["e-mail " + email.lowercased()] = nil
        try await record(repeatedRefusals.close(account.id).map { [$0] } ?? [])
        try await ledger.run { try $0.recordSignIn(account, via: via, clientAddress: clientAddress) }
        if let key { verified[key] = Date().addingTimeInterval(verifiedLifetime) }
        return account
    }

    /// Records the refusals still only counted, as when the server stops, so none is lost.
    public func recordCountedRefusals() async throws {
        try await record(repeatedRefusals.ended(by: nil))
    }

    private func record(_ tallies: [RepeatedRefusals.Tally]) async throws {
        for tally in tallies {
            try await ledger.run {
                try $0.recordFailedSignIn(email: tally.email, reason: tally.reason, via: tally.via, clientAddress: tally.clientAddress, repeats: tally.repeats)
            }
        }
    }

    private func unknownAccount() async throws -> String {
        if let unknownAccountHash { return unknownAccountHash }
        let hash = try await passwords.hash(Passwords.random())
        unknownAccountHash = hash
        return hash
    }

    /// Counts a refusal for `key` (an e-mail or a client address); returns how many there were
    /// lately, this one included.
    private func countRefusal(of key: String) -> Int {
        let now = Date()
        let previous = refusals[key].flatMap { now.timeIntervalSince($0.last) < 900 ? $0.count : nil } ?? 0
        if refusals.count > 10_000 { refusals = refusals.filter { now.timeIntervalSince($0.value.last) < 900 } }
        refusals[key] = (previous + 1, now)
        return previous + 1
    }

    static func cacheKey(email: String, password: String, hash: String) -> String {
        SHA256.hash(data: Data("\(email.lowercased())\u{0}\(password)\u{0}\(hash)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
