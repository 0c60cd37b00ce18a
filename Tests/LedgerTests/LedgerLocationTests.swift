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
}

@Suite struct FileSizeLimitTests {
    @Test func seventyMegabytesPassAndOneByteMoreIsRefused() throws {
        try FileSizeLimit.check(size: 70 * 1_048_576, name: "export.csv")
        let error = try #require(throws: LedgerError.self) { try FileSizeLimit.check(size: 70 * 1_048_576 + 1, name: "export.csv") }
        #expect(error.code == .fileTooLarge)
        #expect(error.message.hasPrefix("export.csv is 70.0 MB; files of at most 70 MB"))
    }
}
