import Foundation

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

    /// A SQLite file, whatever its name looks like.
    public init(sqlitePath: String) {
        path = sqlitePath.hasPrefix("postgres") ? "sqlite:" + sqlitePath : sqlitePath
    }

    public var backend: Backend {
        if path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") { return .postgreSQL(url: path) }
        if path.hasPrefix("sqlite:") { return .sqlite(path: String(path.dropFirst("sqlite:".count))) }
        return .sqlite(path: path)
    }

    /// Whether there is a ledger there to read: a SQLite file that exists, or a database (a scan
    /// never creates a ledger; a database is there once its server runs).
    public func exists() -> Bool {
        switch backend {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgreSQL: true
        }
    }

    /// Where it is, as messages and logs may show it: never a password.
    public var shownName: String { Self.redacted(path) }

    /// A URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return url.replacingCharacters(in: colon..<at, with: ":…")
    }
}
