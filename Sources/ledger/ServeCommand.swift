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
    @Option(help: ArgumentHelp("The server's address as others reach it, for the links in webhooks' deliveries (default: http://HOST:PORT).", valueName: "url"))
    var publicURL: String?
    @Flag(help: "Send the session cookie without Secure, for plain http on a network name (browsers keep Secure cookies on localhost and 127.0.0.1 only).")
    var insecureCookies = false
    @Option(help: ArgumentHelp("A folder whose files are imported as they land, once each, via inbox; moved to DIR/accepted or DIR/rejected with their reports.", valueName: "dir"))
    var inbox: String?
    @Option(help: ArgumentHelp("Which files of the inbox are taken, regardless of case.", valueName: "glob"))
    var inboxMask = "*.csv"
    @Flag(help: "Take an inbox file only once NAME.done is there, instead of once it has stopped growing.")
    var inboxDoneMarker = false
    @Option(help: ArgumentHelp("Whom the inbox's imports are recorded as: an enabled user who may import.", valueName: "email"))
    var inboxUser = InboxSettings.standardServiceUser

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port \(port) is not a port number.") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections \(maxConnections) would refuse every connection.") }
        if let inbox { try validateInboxFolder(inbox) }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardOutput)
        let logger = Logger(label: "ledger")
        var configuration = ServerConfiguration(
            host: host, port: port, database: ledger.location, dataDirectory: data, maximumConnections: maxConnections, publicURL: publicURL)
        configuration.inbox = inbox.map { InboxSettings(folder: $0, mask: inboxMask, waitsForDoneMarker: inboxDoneMarker, serviceUser: inboxUser) }
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
        if let inbox { print("ledger watching the inbox \(inbox) for \(inboxMask), importing as \(inboxUser)") }
        try await application.runService()
    }
}
