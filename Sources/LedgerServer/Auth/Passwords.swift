import Foundation
import HummingbirdBcrypt
import Ledger

/// Hashes and checks passwords with bcrypt, off the cooperative pool: a hash takes a quarter of
/// a second of CPU on purpose.
public struct Passwords: Sendable {
    /// bcrypt's cost: 12 in production; tests use the lowest to stay quick.
    public var cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = cost }

    /// bcrypt runs on at most half the cores (at least one), whatever the number of sign-ins at
    /// once: the rest of the server keeps answering.
    static let bcryptSlots = ConcurrencyLimit(max(1, ProcessInfo.processInfo.activeProcessorCount / 2))

    public static let minimumLength = 10

    public func hash(_ password: String) async throws -> String {
        guard password.count >= Self.minimumLength else {
            throw ServerError(.badRequest, "A password needs at least \(Self.minimumLength) characters.")
        }
        let cost = cost
        return await Self.bcryptSlots.run { await offCooperativePool { Bcrypt.hash(password, cost: cost) } }
    }

    public func verify(_ password: String, against hash: String) async -> Bool {
        await Self.bcryptSlots.run { await offCooperativePool { Bcrypt.verify(password, hash: hash) } }
    }

    /// A random password for a new user, printed once: 16 letters and digits.
    public static func random() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
