/// A failure of the ledger that a person can act on: a code scripts can match, and a message.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let fileTooLarge = Code(name: "file-too-large")
        /// A stream changed between reading it and appending to it.
        public static let versionConflict = Code(name: "version-conflict")
        public static let notFound = Code(name: "not-found")
        /// The command does not fit the state of what it acts on (approving a cancelled import).
        public static let invalidState = Code(name: "invalid-state")
        /// The stored log does not match its hash chain, or its protections are gone.
        public static let tampered = Code(name: "tampered")
        public static let storage = Code(name: "storage")
        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
