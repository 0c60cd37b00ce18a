import Foundation

/// A person was given access. Their password's hash is not in the log, which keeps everything
/// forever and goes into every backup: it is kept apart, in the credentials table.
public struct UserCreated: EventPayload, Equatable {
    public static let type = "UserCreated"
    public static let schemaVersion = 1
    public var userID: UUID
    public var name: String
    public var email: String
    public var role: Role
}

/// A person's access was withdrawn; their history stays.
public struct UserDisabled: EventPayload, Equatable {
    public static let type = "UserDisabled"
    public static let schemaVersion = 1
    public var userID: UUID
}

/// A person's password was replaced (by an administrator, or at the command line); the new
/// hash replaces the old one in the credentials table, and the old one is gone.
public struct PasswordReset: EventPayload, Equatable {
    public static let type = "PasswordReset"
    public static let schemaVersion = 1
    public var userID: UUID
}

/// A person signed in, on the web page or with basic authentication's first use.
public struct SignedIn: EventPayload, Equatable {
    public static let type = "SignedIn"
    public static let schemaVersion = 1
    public var userID: UUID
    public var clientAddress: String?
}

/// A sign-in was refused: a wrong password, or a disabled user (an unknown e-mail in older
/// ledgers). With `repeats`, it stands for refusals that followed a recorded one, counted rather
/// than recorded one by one (decision 0026); `reason` and `clientAddress` are then the last one's.
public struct SignInFailed: EventPayload, Equatable {
    public static let type = "SignInFailed"
    public static let schemaVersion = 1
    /// The user the e-mail names, when it names one.
    public var userID: UUID?
    public var email: String
    public var reason: String
    public var clientAddress: String?
    public var repeats: Repeats?

    public struct Repeats: Codable, Sendable, Equatable {
        public var attempts: Int
        public var first: Date
        public var last: Date

        public init(attempts: Int, first: Date, last: Date) {
            self.attempts = attempts
            self.first = first
            self.last = last
        }
    }
}
