import Foundation
import Ledger

/// Refusals against one account that follow a recorded one within a window, counted instead of
/// each appended to the log, which never forgets: fifty guesses are then two events, the first
/// refusal and one that counts the rest (decision 0026).
struct RepeatedRefusals {
    /// How long after a recorded refusal further ones for the same account are only counted.
    let window: TimeInterval
    private var open: [UUID: Tally] = [:]

    /// What the log is to be told of counted refusals: as one refusal of the account's e-mail.
    struct Tally {
        var email: String
        var opened: Date
        var reason: String
        var via: Actor.Via
        var clientAddress: String?
        var repeats: SignInFailed.Repeats?
    }

    init(window: TimeInterval) { self.window = window }

    /// Counts a refusal against `account`; true when no window was open for it, so the refusal is
    /// to be recorded itself (an ended window must be taken with `ended(by:)` first).
    mutating func count(_ account: UserAccount, reason: String, via: Actor.Via, clientAddress: String?, at now: Date) -> Bool {
        guard var tally = open[account.id], now.timeIntervalSince(tally.opened) < window else {
            open[account.id] = Tally(email: account.email, opened: now, reason: reason, via: via, clientAddress: clientAddress)
            return true
        }
        tally.reason = reason
        tally.via = via
        tally.clientAddress = clientAddress
        tally.repeats = SignInFailed.Repeats(attempts: (tally.repeats?.attempts ?? 0) + 1, first: tally.repeats?.first ?? now, last: now)
        open[account.id] = tally
        return false
    }

    /// The windows that ended by `now` (every window when `now` is nil), taken out; those that
    /// counted nothing beyond their recorded refusal are dropped.
    mutating func ended(by now: Date?) -> [Tally] {
        let ended = open.filter { _, tally in now.map { $0.timeIntervalSince(tally.opened) >= window } ?? true }
        for id in ended.keys { open[id] = nil }
        return ended.values.filter { $0.repeats != nil }
    }

    /// The window of an account that signed in, taken out: what it counted is recorded before the sign-in.
    mutating func close(_ account: UUID) -> Tally? {
        defer { open[account] = nil }
        return open[account].flatMap { $0.repeats == nil ? nil : $0 }
    }
}
