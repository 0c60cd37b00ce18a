import ArgumentParser
import Foundation
import Ledger
import LedgerServer
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the web application and the import API over the ledger. On a fresh ledger, creates an administrator and prints their password once.")

    @OptionGroup var ledger: LedgerOptions
    @Option(help: "The address to listen on; loopback unless you open it on purpose.")
    var host = "127.0.0.1"
    @Option(help: "The port to listen on.")
    var port = 8080
    @Option(name: .long, help: ArgumentHelp("Where uploads are staged (default: ledger-data beside the database).", valueName: "dir"))
    var data: String?
    @Option(help: "How many connections may be open at once; one more is closed as soon as it is accepted. The default is half the open-file limit, at most 1,024.")
    var maxConnections = ServerConfiguration.standardMaximumConnections
    @Flag(help: "Send the session cookie without Secure, for plain http on a network name (browsers keep Secure cookies on localhost and 127.0.0.1 only).")
    var insecureCookies = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port \(port) is not a port number.") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections \(maxConnections) would refuse every connection.") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardOutput)
        let logger = Logger(label: "ledger")
        let configuration = ServerConfiguration(
            host: host, port: port, database: ledger.location, dataDirectory: data, maximumConnections: maxConnections)
        // On PostgreSQL, this server's copies of the stored files and its work files.
        let opened = try ledger.open(localFolder: configuration.dataDirectory + "/files")
        let address = "http://\(host):\(port)/"
        if let first = try await UserAdministration(ledger: opened).createFirstAdministrator() {
            print("A new ledger: sign in at \(address) as \(first.email) with the password \(first.password)")
            print("This password is shown once; change it under Users, or with `ledger users reset-password \(first.email)`.")
        }
        print("ledger serving \(configuration.database.shownName) on \(address)")
        let application = try await buildApplication(
            configuration: configuration, ledger: opened, dependencies: ServerDependencies(secureCookies: !insecureCookies), logger: logger)
        try await application.runService()
    }
}
