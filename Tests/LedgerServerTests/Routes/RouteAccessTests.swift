import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Logging
import NIOCore
import Testing

@testable import LedgerServer

/// Every route the router holds, called with no credentials and as each role, against a rule
/// declared here for it: a new route without a rule fails this test.
@Suite struct RouteAccessTests {
    enum Access {
        /// Anyone, signed in or not.
        case anyone
        /// Every role: reading.
        case signedIn
        case importer
        case admin
    }

    static let rules: [String: Access] = [
        "GET /": .anyone, "GET /health": .anyone, "GET /signin": .anyone, "POST /signin": .anyone, "POST /signout": .anyone,
        "GET /assets": .signedIn, "GET /assets/activity": .signedIn,
        "POST /imports/{id}/approve": .importer, "POST /imports/{id}/cancel": .importer, "POST /imports/{id}/revert": .admin,
        "POST /v1/bde/import/{id}/revert": .admin,
        "GET /imports/{id}/file": .signedIn, "GET /imports/{id}/exceptions.csv": .signedIn, "GET /imports/{id}/fix-file.csv": .signedIn,
        "GET /imports/{id}/exceptions": .signedIn, "GET /imports/{id}/changes": .signedIn, "GET /imports/{id}/changes.csv": .signedIn,
        "GET /v1/bde/import/{id}/changes": .signedIn,
        "POST /v1/bde/import": .importer, "PUT /v1/bde/import": .importer, "GET /v1/bde/import/{id}": .signedIn,
        "GET /v1/bde/import/{id}/report": .signedIn, "DELETE /v1/bde/import/{id}": .importer, "GET /v1/activity": .signedIn,
        "GET /history": .signedIn, "GET /v1/history/{kind}/**": .signedIn, "GET /audit": .signedIn, "GET /v1/audit": .signedIn,
        "GET /specification": .signedIn, "GET /specification.csv": .signedIn, "GET /template.csv": .signedIn,
        "GET /admin/users": .admin, "POST /admin/users": .admin, "POST /admin/users/{id}/disable": .admin,
        "POST /admin/users/{id}/reset-password": .admin, "GET /v1/users": .admin,
        "GET /admin/settings": .admin, "POST /admin/settings/policy": .admin, "POST /admin/settings/webhooks": .admin,
        "POST /admin/settings/webhooks/{id}/test": .admin, "POST /admin/settings/webhooks/{id}/remove": .admin, "GET /v1/policy": .signedIn, "PUT /v1/policy": .admin,
        "GET /v1/webhooks": .admin, "POST /v1/webhooks": .admin, "DELETE /v1/webhooks/{id}": .admin, "GET /v1/webhooks/deliveries": .admin,
        "POST /v1/webhooks/{id}/test": .admin,
    ]

    /// A path the route matches, naming nothing that exists: an allowed caller gets 404 or 400,
    /// and nothing is changed.
    static func concrete(_ path: String) -> String {
        path.replacingOccurrences(of: "{id}", with: UUID().lowercasedString).replacingOccurrences(of: "{kind}", with: "register")
            .replacingOccurrences(of: "**", with: "M404")
    }

    static func routes(of server: TestServer) async throws -> [(method: HTTPRequest.Method, path: String)] {
        let configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, database: server.ledger.location,
            dataDirectory: server.folder.appendingPathComponent("data").path)
        let built = try await LedgerRoutes(
            configuration: configuration, ledger: server.ledger, dependencies: ServerDependencies(passwords: TestServer.passwords), logger: Logger(label: "test"))
        return built.router.routes.map { ($0.method, "/" + "\($0.path)".trimmingCharacters(in: CharacterSet(charactersIn: "/"))) }
    }

    @Test func everyRouteHasARule() async throws {
        let server = try await TestServer()
        let routes = try await Self.routes(of: server).map { "\($0.method) \($0.path)" }
        #expect(Set(routes).subtracting(Self.rules.keys).isEmpty, "routes without a rule: \(Set(routes).subtracting(Self.rules.keys).sorted())")
        #expect(Set(Self.rules.keys).subtracting(routes).isEmpty, "rules without a route: \(Set(Self.rules.keys).subtracting(routes).sorted())")
    }

    @Test func everyRouteAnswersEachRoleAsItsRuleSays() async throws {
        let server = try await TestServer()
        let routes = try await Self.routes(of: server)
        try await server.test { server, client in
            for route in routes {
                let name = "\(route.method) \(route.path)"
                guard let access = Self.rules[name], access != .anyone else { continue }
                let uri = Self.concrete(route.path)
                let anonymous = try await client.execute(uri: uri, method: route.method, headers: [:])
                let toSignIn = anonymous.status == .seeOther && anonymous.headers[.location]?.hasPrefix("/signin") == true
                #expect(anonymous.status == .unauthorized || toSignIn, "\(name) without credentials: \(anonymous.status)")
                for (account, role) in [(server.auditor, Role.auditor), (server.importer, .importer), (server.admin, .admin)] {
                    var headers = TestServer.basic(account)
                    headers[.accept] = "application/json"
                    let answer = try await client.execute(uri: uri, method: route.method, headers: headers)
                    let allowed = switch access {
                    case .anyone, .signedIn: true
                    case .importer: role.canImport
                    case .admin: role.canManageUsers
                    }
                    if allowed {
                        #expect(answer.status != .unauthorized && answer.status != .forbidden, "\(name) as \(role): \(answer.status)")
                    } else {
                        #expect(answer.status == .forbidden, "\(name) as \(role): \(answer.status)")
                    }
                }
            }
        }
    }
}
