import DataExchange
import Foundation

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
        /// The request asks for more than its sender may (a file asking for more than its policy allows).
        public static let forbidden = Code(name: "forbidden")
        /// The request names something that cannot be used as it is (a webhook's address that is no URL).
        public static let invalidArgument = Code(name: "invalid-argument")
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

    /// What the permanent log and a person are told of `error`: its own message where it is one
    /// of ours, never the text Swift makes of a value, which names types and changes with them.
    public static func reason(_ error: any Error) -> String {
        switch error {
        case let error as LedgerError: error.message
        case let error as DataExchangeError: error.message
        case let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileNoSuchFile: "a stored file is missing."
        default: "an unexpected error, which the server's log shows."
        }
    }
}
