import Foundation
import Ledger

/// Adding people and resetting passwords, with bcrypt: what `ledger users`, `ledger serve`'s
/// first administrator and the Users page share.
public struct UserAdministration: Sendable {
    let ledger: ServedLedger
    let passwords: Passwords

    public init(ledger: Ledger, passwords: Passwords = Passwords()) {
        self.ledger = ServedLedger(ledger)
        self.passwords = passwords
    }

    /// A person as `ledger users list` and `/v1/users` show them: never their hash.
    public struct Listing: Encodable, Sendable {
        public var id: String
        public var name: String
        public var email: String
        public var role: String
        public var disabled: Bool
        public var createdAt: String
        public var lastSignInAt: String?

        public init(_ account: UserAccount) {
            id = account.id.lowercasedString
            name = account.name
            email = account.email
            role = account.role.rawValue
            disabled = account.disabled
            createdAt = account.createdAt
            lastSignInAt = account.lastSignInAt
        }
    }

    /// Adds a person; with no password given, makes a random one and returns it to show once.
    public func add(name: String, email: String, role: Role, password: String?, actor: Actor) async throws -> (UserAccount, String?) {
        let chosen = password.flatMap { $0.isEmpty ? nil : $0 }
        let password = chosen ?? Passwords.random()
        let hash = try await passwords.hash(password)
        let account = try await ledger.run { try $0.createUser(name: name, email: email, role: role, passwordHash: hash, actor: actor) }
        return (account, chosen == nil ? password : nil)
    }

    /// Sets a new password (random when none is given) and returns it.
    public func resetPassword(_ id: UUID, to password: String?, actor: Actor) async throws -> String {
        let password = password.flatMap { $0.isEmpty ? nil : $0 } ?? Passwords.random()
        let hash = try await passwords.hash(password)
        try await ledger.run { try $0.resetPassword(id, passwordHash: hash, actor: actor) }
        return password
    }

    /// On a ledger nobody can sign in to yet, creates the first administrator and returns their
    /// e-mail and random password; nil when there are users already.
    public func createFirstAdministrator(email: String = "admin@localhost") async throws -> (email: String, password: String)? {
        guard try await ledger.run({ try $0.users().isEmpty }) else { return nil }
        let system = Actor(name: "ledger serve", email: "system@localhost", via: .cli)
        do {
            let (_, password) = try await add(name: "Administrator", email: email, role: .admin, password: nil, actor: system)
            return password.map { (email, $0) }
        } catch let error as LedgerError where error.code == .versionConflict || error.code == .invalidState {
            // Another server on the same database made the first administrator meanwhile.
            guard try await ledger.run({ try $0.users().isEmpty }) else { return nil }
            throw error
        }
    }
}
