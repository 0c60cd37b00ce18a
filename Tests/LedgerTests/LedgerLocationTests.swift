import DataExchange
import Ledger
import Testing

@Suite struct LedgerLocationTests {
    @Test func theOptionWinsThenTheEnvironmentThenTheDefault() {
        #expect(LedgerLocation(option: "a.sqlite", environment: ["LEDGER_DB": "b.sqlite"]).path == "a.sqlite")
        #expect(LedgerLocation(option: nil, environment: ["LEDGER_DB": "b.sqlite"]).path == "b.sqlite")
        #expect(LedgerLocation(option: nil, environment: ["LEDGER_DB": ""]).path == "ledger.sqlite")
        #expect(LedgerLocation(option: nil, environment: [:]).path == "ledger.sqlite")
    }

    @Test func aURLNamesPostgreSQLAndAPathOrSqliteNamesAFile() throws {
        #expect(LedgerLocation(option: "/var/ledger.db", environment: [:]).backend == .sqlite(path: "/var/ledger.db"))
        #expect(LedgerLocation(option: "sqlite:/var/ledger.db", environment: [:]).backend == .sqlite(path: "/var/ledger.db"))
        let url = "postgres://ledger:secret@db.utility.example:5432/ledger"
        #expect(LedgerLocation(option: nil, environment: ["LEDGER_DB": url]).backend == .postgreSQL(url: url))
        #expect(LedgerLocation(option: "postgresql://db/ledger", environment: [:]).backend == .postgreSQL(url: "postgresql://db/ledger"))
        #expect(LedgerLocation(option: "sqlite:a.sqlite", environment: [:]).backend == .sqlite(path: "a.sqlite"))
        // What messages and logs show of it never holds the password.
        let shown = LedgerLocation(option: url, environment: [:]).shownName
        #expect(shown.contains("db.utility.example") && !shown.contains("secret"))
        #expect(LedgerLocation(sqlitePath: "postgres-copy.sqlite").backend == .sqlite(path: "postgres-copy.sqlite"))
    }
}

@Suite struct FileSizeLimitTests {
    @Test func seventyMegabytesPassAndOneByteMoreIsRefused() throws {
        try FileSizeLimit.check(size: 70 * 1_048_576, name: "export.csv")
        let error = try #require(throws: LedgerError.self) { try FileSizeLimit.check(size: 70 * 1_048_576 + 1, name: "export.csv") }
        #expect(error.code == .fileTooLarge)
        #expect(error.message.hasPrefix("export.csv is 70.0 MB; files of at most 70 MB"))
    }
}
