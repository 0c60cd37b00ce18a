/// Where the ledger lives: the `--db` option, else `$LEDGER_DB`, else `ledger.sqlite` in the
/// current folder. A path, or `sqlite:PATH`, names a SQLite file; `postgres://…` (or
/// `postgresql://…`) a PostgreSQL database. The command line and the server agree through this.
public struct LedgerLocation: Sendable, Equatable {
    public static let defaultFileName = "ledger.sqlite"
    public static let environmentVariable = "LEDGER_DB"

    public enum Backend: Sendable, Equatable {
        case sqlite(path: String)
        case postgreSQL(url: String)
    }

    /// What was given, as given.
    public let path: String

    public init(option: String?, environment: [String: String]) {
        path = option ?? environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultFileName
    }

    public var backend: Backend {
        if path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") { return .postgreSQL(url: path) }
        if path.hasPrefix("sqlite:") { return .sqlite(path: String(path.dropFirst("sqlite:".count))) }
        return .sqlite(path: path)
    }

    /// The SQLite file to open. PostgreSQL is refused, plainly, until the whole ledger runs on it
    /// (docs/decisions/0022): a ledger half on one database and half on another would be worse.
    public func sqliteFile() throws -> String {
        switch backend {
        case .sqlite(let path): return path
        case .postgreSQL:
            throw LedgerError(.storage, "This build keeps the ledger in a SQLite file only; PostgreSQL (\(Self.redacted(path))) is not served yet. Give a file path.")
        }
    }

    /// A URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return url.replacingCharacters(in: colon..<at, with: ":…")
    }
}
