import Ledger

/// How `ledger serve` runs: where it listens and where it keeps its files. Loopback by default:
/// a utility opens it to its network on purpose, not by accident.
public struct ServerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: LedgerLocation
    /// Where uploaded files and reports are kept, beside the database unless said otherwise.
    public var dataDirectory: String
    /// How long a connection may send nothing between requests (or before its first) before it
    /// is closed, and how long a request's body may stop coming.
    public var idleTimeout: Duration
    public var bodyReadTimeout: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: LedgerLocation, dataDirectory: String? = nil, idleTimeout: Duration = .seconds(60),
        bodyReadTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.dataDirectory = dataDirectory ?? {
            switch database.backend {
            case .sqlite(let path): Self.folder(of: path) + "ledger-data"
            case .postgreSQL: "ledger-data"
            }
        }()
        self.idleTimeout = idleTimeout
        self.bodyReadTimeout = bodyReadTimeout
    }

    /// The folder part of a path, with its trailing slash, or "" for a bare file name.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
