/// Where the ledger's SQLite file lives: the `--db` option, else `$LEDGER_DB`, else
/// `ledger.sqlite` in the current folder. The command line and the server agree through this.
public struct LedgerLocation: Sendable, Equatable {
    public static let defaultFileName = "ledger.sqlite"
    public static let environmentVariable = "LEDGER_DB"

    public let path: String

    public init(option: String?, environment: [String: String]) {
        path = option ?? environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultFileName
    }
}
