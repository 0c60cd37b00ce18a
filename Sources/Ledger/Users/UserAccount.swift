import Foundation
import GRDB

/// A person who may sign in, as the users projection holds them.
public struct UserAccount: Sendable, Equatable, FetchableRecord {
    public var id: UUID
    public var name: String
    public var email: String
    public var role: Role
    /// From the credentials table; empty if none were kept, and then no password matches.
    public var passwordHash: String
    public var disabled: Bool
    public var createdAt: String
    public var lastSignInAt: String?

    /// The person as events record them, acting through `via`.
    public func actor(via: Actor.Via) -> Actor { Actor(name: name, email: email, via: via) }

    public init(row: Row) throws {
        id = UUID(uuidString: row["id"]) ?? UUID()
        name = row["name"]
        email = row["email"]
        role = Role(rawValue: row["role"]) ?? .auditor
        passwordHash = row["password_hash"] ?? ""
        disabled = row["disabled"]
        createdAt = row["created_at"]
        lastSignInAt = row["last_sign_in_at"]
    }

    public static func stream(_ id: UUID) -> String { "user-\(id.lowercasedString)" }
}
