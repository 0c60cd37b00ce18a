import Foundation

/// A person who may sign in, as the users projection holds them.
public struct UserAccount: Sendable, Equatable {
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

    public static func stream(_ id: UUID) -> String { "user-\(id.lowercasedString)" }
}
