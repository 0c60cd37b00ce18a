import Foundation

/// What PostgreSQL or libpq refused: the SQLSTATE when the server gave one, its message, and the
/// statement that failed (its parameters are left out: they may be people's data).
struct PostgreSQLError: Error, Sendable, CustomStringConvertible {
    /// The five-character code of the PostgreSQL documentation's appendix A, such as `23505`.
    struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        var rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        init(_ rawValue: String) { self.rawValue = rawValue }
        var description: String { rawValue }

        static let uniqueViolation = SQLState("23505")
        static let foreignKeyViolation = SQLState("23503")
        static let notNullViolation = SQLState("23502")
        static let checkViolation = SQLState("23514")
        static let serializationFailure = SQLState("40001")
        static let deadlockDetected = SQLState("40P01")
        static let lockNotAvailable = SQLState("55P03")
        static let undefinedTable = SQLState("42P01")
        static let adminShutdown = SQLState("57P01")

        /// Class 08: the connection, not the statement, failed.
        var isConnectionException: Bool { rawValue.hasPrefix("08") }
    }

    enum Kind: Sendable, Hashable {
        /// The server could not be reached, refused us, or the URL could not be read.
        case connection
        /// The server refused a statement (see `sqlState`), or the connection broke during it.
        case statement
        /// The ledger asked for something the wrapper does not do (a value it cannot read as the
        /// type asked for, a nested transaction).
        case usage
    }

    var kind: Kind
    var sqlState: SQLState?
    /// The server's or libpq's message, without the trailing newline libpq adds.
    var message: String
    /// The server's DETAIL, such as `Key (id)=(1) already exists.`
    var detail: String?
    /// The constraint a violation names, so that a caller can tell one unique key from another.
    var constraint: String?
    var statement: String?

    init(_ kind: Kind, _ message: String, sqlState: SQLState? = nil, detail: String? = nil, constraint: String? = nil, statement: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
        self.statement = statement
    }

    var isUniqueViolation: Bool { sqlState == .uniqueViolation }

    /// The connection this came from is no use any more: another one is needed.
    var isConnectionFailure: Bool { kind == .connection || sqlState?.isConnectionException == true }

    var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += " \(detail)" }
        if let statement {
            let shown = statement.count > 300 ? statement.prefix(300) + "…" : Substring(statement)
            text += " Statement: \(shown)"
        }
        return text
    }
}
