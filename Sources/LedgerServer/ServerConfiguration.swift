import Ledger

/// How `ledger serve` runs: where it listens and where it keeps its files. Loopback by default:
/// a utility opens it to its network on purpose, not by accident.
public struct ServerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: LedgerLocation
    /// Where uploaded files and reports are kept, beside the database unless said otherwise.
    public var dataDirectory: String

    public init(host: String = "127.0.0.1", port: Int = 8080, database: LedgerLocation, dataDirectory: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.dataDirectory = dataDirectory ?? Self.folder(of: database.path) + "ledger-data"
    }

    /// The folder part of a path, with its trailing slash, or "" for a bare file name.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}
