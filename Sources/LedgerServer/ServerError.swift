import HTTPTypes
import Hummingbird
import DataExchange
import Ledger

/// A failure a route reports: an HTTP status and a message a person can act on. Ledger errors
/// are mapped to it in one place, `init(_ error:)`.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// The connection is closed after the answer: the request's body was not read to its end.
    public var closesConnection = false

    public init(_ status: HTTPResponse.Status, _ message: String, closing: Bool = false) {
        self.status = status
        self.message = message
        closesConnection = closing
    }

    public var description: String { message }

    static let signInRequired = ServerError(.unauthorized, "Sign in first.")
    static let badCSRFToken = ServerError(.forbidden, "The form has expired or did not come from this site; reload the page and try again.")

    static func forbidden(_ capability: Capability) -> ServerError {
        ServerError(.forbidden, "Your role does not allow you to \(capability.rawValue).")
    }

    /// The status and message of any error a route throws; what is not ours is a bare 500.
    init(_ error: any Error) {
        switch error {
        case let error as ServerError: self = error
        case let error as LedgerError: self.init(Self.status(of: error.code), error.message)
        // A file the scanner cannot read is the client's to correct; the rest are the server's.
        case let error as DataExchangeError where error.code == .unreadableFile: self.init(.unprocessableContent, error.message)
        case let error as HTTPError: self.init(error.status, error.body ?? error.status.reasonPhrase)
        default: self.init(.internalServerError, "Something went wrong on the server; it was logged.")
        }
    }

    private static func status(of code: LedgerError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .invalidState, .versionConflict: .conflict
        case .fileTooLarge: .contentTooLarge
        case .forbidden: .forbidden
        case .invalidArgument: .badRequest
        default: .internalServerError
        }
    }
}
