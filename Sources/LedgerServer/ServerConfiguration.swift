#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// How many connections may be open at once; one past it is closed as soon as it is accepted.
    public var maximumConnections: Int
    /// The server's address as others reach it (behind a proxy, its outside address): the links
    /// in the webhooks' deliveries start with it. `http://host:port` unless said otherwise.
    public var publicURL: String
    /// The folder whose files the server imports (`--inbox`), if any.
    public var inbox: InboxSettings? = nil

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: LedgerLocation, dataDirectory: String? = nil, idleTimeout: Duration = .seconds(60),
        bodyReadTimeout: Duration = .seconds(30), maximumConnections: Int = standardMaximumConnections, publicURL: String? = nil
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
        self.maximumConnections = maximumConnections
        self.publicURL = publicURL ?? "http://\(host):\(port)"
    }

    /// 1,024, or half the file descriptors the process may open if that is fewer: the other half
    /// stays for the ledger's own files.
    public static var standardMaximumConnections: Int {
        var limit = rlimit()
        #if os(Linux)
        let found = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
        let found = getrlimit(RLIMIT_NOFILE, &limit)
        #endif
        guard found == 0, limit.rlim_cur != rlim_t.max else { return 1_024 }
        return max(1, min(1_024, Int(limit.rlim_cur / 2)))
    }

    /// The folder part of a path, with its trailing slash, or "" for a bare file name.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
