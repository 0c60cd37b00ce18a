import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Logging
import NIOCore
import Testing

@testable import LedgerServer
import TestSupport

/// A real ledger in a temporary folder with three people, one per role, and the application
/// built over it exactly as `ledger serve` builds it, on port 0.
struct TestServer {
    static let password = "correct horse battery"
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }
    let ledger: Ledger
    let admin: UserAccount
    let importer: UserAccount
    let auditor: UserAccount

    init() async throws {
        scratch = try TemporaryFolder("ledger-server")
        ledger = try Ledger(path: scratch.appendingPathComponent("ledger.sqlite").path)
        let administration = UserAdministration(ledger: ledger, passwords: Self.passwords)
        let system = Actor(name: "test", email: "test@localhost", via: .cli)
        admin = try await administration.add(name: "Ada Admin", email: "ada@utility.example", role: .admin, password: Self.password, actor: system).0
        importer = try await administration.add(name: "Ivan Importer", email: "ivan@utility.example", role: .importer, password: Self.password, actor: system).0
        auditor = try await administration.add(name: "Aude Auditor", email: "aude@utility.example", role: .auditor, password: Self.password, actor: system).0
    }

    /// bcrypt at its lowest cost: the tests sign in often.
    static let passwords = Passwords(cost: 4)

    func test(
        idleTimeout: Duration = .seconds(60), bodyReadTimeout: Duration = .seconds(30), maximumConnections: Int = ServerConfiguration.standardMaximumConnections,
        inbox: InboxSettings? = nil, _ body: @escaping @Sendable (TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        var configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, database: ledger.location,
            dataDirectory: folder.appendingPathComponent("data").path, idleTimeout: idleTimeout, bodyReadTimeout: bodyReadTimeout,
            maximumConnections: maximumConnections)
        configuration.inbox = inbox
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let application = try await buildApplication(
            configuration: configuration, ledger: ledger, dependencies: ServerDependencies(passwords: Self.passwords, refusalDelay: .zero), logger: logger)
        let server = self
        try await application.test(.live) { client in try await body(server, client) }
    }

    static func basic(_ account: UserAccount, password: String = TestServer.password) -> HTTPFields {
        [.authorization: "Basic " + Data("\(account.email):\(password)".utf8).base64EncodedString(), .accept: "application/json"]
    }

    /// A small Accounts and Assets file: `good` correct rows and one with a wrong date.
    static func exportFile(good: Int = 2, meterPrefix: String = "M") -> String {
        let header = "Account_ID,Location_ID,Service_Point_ID,Service_Point_Type,Meter_ID,Meter_Manufacturer,Meter_Model,Meter_Size,Meter_Size_Unit,Meter_Continuous_Flow,Register_Unit_Of_Measure,Register_Resolution,Meter_Install_Date"
        let rows = (1...good).map { "A\($0),L\($0),001,W,\(meterPrefix)\($0),Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15" }
            + ["A99,L99,001,W,\(meterPrefix)99,Neptune,T-10,0.625,IN,N,GAL,1,3/7/2024"]
        return ([header] + rows).joined(separator: "\n") + "\n"
    }

    static let boundary = "----dx-test-boundary"

    static func multipart(_ content: String, fileName: String = "export.csv", field: String = "data") -> ByteBuffer {
        ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\nContent-Type: text/csv\r\n\r\n\(content)\r\n--\(boundary)--\r\n")
    }

    static func uploadHeaders(_ account: UserAccount) -> HTTPFields {
        var headers = basic(account)
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return headers
    }

    /// Uploads `content` as `account` and waits for its dry run (or for `stage`); returns the import's id.
    static func uploadAndWait(
        _ content: String, as account: UserAccount, until stage: String = "ready", query: String = "", client: some TestClientProtocol
    ) async throws -> String {
        let started = try await client.execute(uri: "/v1/bde/import" + query, method: .post, headers: uploadHeaders(account), body: multipart(content))
        #expect(started.status == .accepted)
        let id = try #require(try json(started)["bdeUUID"] as? String)
        _ = try await waitFor(id, stage: stage, as: account, client: client)
        return id
    }

    /// Polls an import's status until it is at `stage`; fails after ten seconds.
    static func waitFor(_ id: String, stage: String, as account: UserAccount, client: some TestClientProtocol) async throws -> [String: Any] {
        for _ in 0..<200 {
            let status = try json(try await client.execute(uri: "/v1/bde/import/\(id)", method: .get, headers: basic(account)))
            if status["stage"] as? String == stage { return status }
            if status["state"] as? String == "failed" { Issue.record("import failed: \(status["detail"] ?? "")"); return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("import \(id) never reached \(stage)")
        return [:]
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }
}

/// A browser's cookie and CSRF token, for the page routes.
struct BrowserSession {
    var cookie: String
    var csrf: String

    /// Opens the sign-in page and signs in as `account`, as a browser would.
    static func signIn(_ account: UserAccount, password: String = TestServer.password, client: some TestClientProtocol) async throws -> BrowserSession {
        let form = try await client.execute(uri: "/signin", method: .get)
        let anonymous = try #require(Self.cookie(of: form))
        let csrf = try #require(Self.csrfToken(in: TestServer.text(form)))
        let body = "csrf=\(csrf)&email=\(account.email)&password=\(password.replacingOccurrences(of: " ", with: "+"))&next=/assets"
        let answer = try await client.execute(
            uri: "/signin", method: .post, headers: [.cookie: anonymous, .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
        #expect(answer.status == .found)
        let cookie = try #require(Self.cookie(of: answer))
        let page = try await client.execute(uri: "/assets", method: .get, headers: [.cookie: cookie])
        return BrowserSession(cookie: cookie, csrf: try #require(Self.csrfToken(in: TestServer.text(page))))
    }

    /// `name=value` of the response's session cookie.
    static func cookie(of response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("dx_session=") }.map { String($0.prefix { $0 != ";" }) }
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    var headers: HTTPFields { [.cookie: cookie] }

    func form(_ fields: String) -> (HTTPFields, ByteBuffer) {
        ([.cookie: cookie, .contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: "csrf=\(csrf)&\(fields)"))
    }
}
