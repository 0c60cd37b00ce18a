import Foundation
import HummingbirdTesting
import Ledger
import NIOCore
import Synchronization
import Testing

@testable import LedgerServer

@Suite struct SignInRouteTests {
    @Test func healthAnswersWithoutSigningIn() async throws {
        try await TestServer().test { _, client in
            let health = try await client.execute(uri: "/health", method: .get)
            let script = try await client.execute(uri: "/static/app.js", method: .get)
            #expect(health.status == .ok && TestServer.text(health) == "ok")
            #expect(script.status == .ok && TestServer.text(script).contains("drop-zone"))
        }
    }

    @Test func pagesSendAPersonWhoIsNotSignedInToTheSignInPage() async throws {
        try await TestServer().test { _, client in
            for page in ["/assets", "/history", "/audit", "/specification", "/admin/users"] {
                let response = try await client.execute(uri: page, method: .get)
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/signin") == true)
            }
            let api = try await client.execute(uri: "/v1/activity", method: .get)
            #expect(api.status == .unauthorized && api.headers[.wwwAuthenticate] != nil)
            let upload = try await client.execute(uri: "/v1/bde/import", method: .post, headers: [.contentType: "multipart/form-data; boundary=x"])
            #expect(upload.status == .unauthorized)
        }
    }

    @Test func theSessionCookieIsHttpOnlySameSiteAndSecure() async throws {
        try await TestServer().test { _, client in
            let page = try await client.execute(uri: "/signin", method: .get)
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("dx_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"))
        }
    }

    @Test func signingInStartsANewSessionAndIsAudited() async throws {
        try await TestServer().test { server, client in
            let session = try await BrowserSession.signIn(server.importer, client: client)
            let page = try await client.execute(uri: "/assets", method: .get, headers: session.headers)
            #expect(page.status == .ok && TestServer.text(page).contains("Ivan Importer"))
            #expect(try server.ledger.audit(user: server.importer.email).contains { $0.action == "SignedIn" })
            let (headers, body) = session.form("")
            #expect(try await client.execute(uri: "/signout", method: .post, headers: headers, body: body).status == .found)
            #expect(try await client.execute(uri: "/assets", method: .get, headers: session.headers).status == .seeOther)
        }
    }

    @Test func aWrongPasswordIsRefusedAndRecorded() async throws {
        try await TestServer().test { server, client in
            let form = try await client.execute(uri: "/signin", method: .get)
            let cookie = try #require(BrowserSession.cookie(of: form))
            let csrf = try #require(BrowserSession.csrfToken(in: TestServer.text(form)))
            let answer = try await client.execute(
                uri: "/signin", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(csrf)&email=\(server.auditor.email)&password=guess"))
            #expect(answer.status == .unauthorized && TestServer.text(answer).contains("wrong"))
            let failures = try server.ledger.audit(user: server.auditor.email).filter { $0.action == "SignInFailed" }
            #expect(failures.count == 1)
            let unknown = try await client.execute(uri: "/v1/activity", method: .get, headers: TestServer.basic(server.auditor, password: "nope"))
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test func aFormPostWithoutItsCSRFTokenIsRefused() async throws {
        try await TestServer().test { server, client in
            let session = try await BrowserSession.signIn(server.admin, client: client)
            let forged = try await client.execute(
                uri: "/admin/users", method: .post, headers: [.cookie: session.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "name=Eve&email=eve@x.example&role=admin"))
            #expect(forged.status == .forbidden)
            #expect(try server.ledger.user(email: "eve@x.example") == nil)
            // The page's script must send the token too.
            let scripted = try await client.execute(
                uri: "/v1/bde/import", method: .put, headers: [.cookie: session.cookie, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"bdeUUID": "00000000-0000-0000-0000-000000000000"}"#))
            #expect(scripted.status == .forbidden)
            // Signing in needs the sign-in page's own token.
            let blind = try await client.execute(
                uri: "/signin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "email=\(server.admin.email)&password=\(TestServer.password)"))
            #expect(blind.status == .forbidden)
        }
    }

    @Test(arguments: [
        ("/%09/evil.example/x", "/assets"), ("/\t/evil.example/x", "/assets"), ("/\n/evil.example", "/assets"), ("//evil.example", "/assets"),
        ("/\\evil.example", "/assets"), ("https://evil.example/", "/assets"), ("evil.example", "/assets"), ("/a\\b", "/assets"),
        ("/history?kind=register&id=M1", "/history?kind=register&id=M1"), ("/assets", "/assets"),
    ])
    func afterSigningInOnlyAPathOfThisSiteIsFollowed(next: String, expected: String) {
        #expect(SignInController.safeNext(next.removingPercentEncoding) == expected)
    }

    @Test func aSignInWithAForeignNextStaysOnTheSite() async throws {
        try await TestServer().test { server, client in
            let form = try await client.execute(uri: "/signin?next=%2F%09%2Fevil.example%2Fx", method: .get)
            let cookie = try #require(BrowserSession.cookie(of: form))
            let page = TestServer.text(form)
            let csrf = try #require(BrowserSession.csrfToken(in: page))
            #expect(!page.contains("evil.example"))
            let body = "csrf=\(csrf)&email=\(server.auditor.email)&password=\(TestServer.password.replacingOccurrences(of: " ", with: "+"))&next=%2F%09%2Fevil.example%2Fx"
            let answer = try await client.execute(
                uri: "/signin", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
            #expect(answer.status == .found && answer.headers[.location] == "/assets")
        }
    }

    @Test func aSessionOutlivesTheServerThatStartedIt() async throws {
        let server = try await TestServer()
        let carried = Mutex<BrowserSession?>(nil)
        try await server.test { server, client in
            carried.withLock { $0 = nil }
            let session = try await BrowserSession.signIn(server.auditor, client: client)
            carried.withLock { $0 = session }
        }
        let session = try #require(carried.withLock { $0 })
        // A server started anew on the same ledger (a restart, or another server behind the same
        // load balancer) knows the session.
        try await server.test { _, client in
            let page = try await client.execute(uri: "/assets", method: .get, headers: session.headers)
            #expect(page.status == .ok && TestServer.text(page).contains("Aude Auditor"))
        }
    }
}
