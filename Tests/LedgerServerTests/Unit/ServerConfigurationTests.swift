import Ledger
import LedgerServer
import Testing

@Suite struct ServerConfigurationTests {
    @Test func itListensOnLoopbackAndKeepsItsDataBesideTheDatabase() {
        let configuration = ServerConfiguration(database: LedgerLocation(option: "/srv/dx/ledger.sqlite", environment: [:]))
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.dataDirectory == "/srv/dx/ledger-data")
        #expect(ServerConfiguration(database: LedgerLocation(option: nil, environment: [:])).dataDirectory == "ledger-data")
        #expect(ServerConfiguration(database: LedgerLocation(option: "x.sqlite", environment: [:]), dataDirectory: "/d").dataDirectory == "/d")
    }
}
