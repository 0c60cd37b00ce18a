import Foundation
import Hummingbird
import Ledger

/// The sign-in page, signing in and signing out. Signing in starts a new session (the one of
/// the sign-in page only carried its CSRF token).
struct SignInController {
    let pages: PageRenderer
    let sessions: SessionStore
    let signIn: SignInService
    /// Chromium and Firefox keep Secure cookies on http://localhost and 127.0.0.1 too; a
    /// utility that serves plain http on a network name sets this off (`--insecure-cookies`).
    let secureCookies: Bool

    struct SignInPage {
        var page: PageFrame
        var next: String
        var email: String
        var failure: String?
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("signin") { request, context in try await showForm(request, context: context, email: "", failure: nil) }
        router.post("signin") { request, context in try await submit(request, context: context) }
        router.post("signout") { request, context in
            if let session = context.session { try await sessions.end(session.token) }
            var response = Response.redirect(to: "/signin", type: .found)
            response.setCookie(sessionCookie("", maxAge: 0))
            return response
        }
    }

    private func showForm(_ request: Request, context: LedgerRequestContext, email: String, failure: String?) async throws -> Response {
        var context = context
        var newSession: Session?
        if context.session == nil {
            newSession = try await sessions.start(for: nil)
            context.session = newSession
        }
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
        var response = try pages.render(
            "signin", SignInPage(page: PageFrame(title: "Sign in", tab: "", context: context), next: next, email: email, failure: failure),
            status: failure == nil ? .ok : .unauthorized)
        if let newSession { response.setCookie(sessionCookie(newSession.token)) }
        return response
    }

    private func submit(_ request: Request, context: LedgerRequestContext) async throws -> Response {
        // Only the sign-in page's own session (whose CSRF token the middleware checked) may sign in.
        guard context.session != nil else { throw ServerError.badCSRFToken }
        var request = request
        let form = FormFields(String(buffer: try await request.collectBody(upTo: AuthenticationMiddleware.largestForm)))
        let email = try form.require("email")
        do {
            let account = try await signIn.signIn(email: email, password: form["password"] ?? "", via: .ui, clientAddress: context.clientAddress)
            if let old = context.session { try await sessions.end(old.token) }
            let session = try await sessions.start(for: account.id)
            var response = Response.redirect(to: Self.safeNext(form["next"]), type: .found)
            response.setCookie(sessionCookie(session.token))
            return response
        } catch let failure as ServerError where failure.status == .unauthorized {
            return try await showForm(request, context: context, email: email, failure: failure.message)
        }
    }

    func sessionCookie(_ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: AuthenticationMiddleware.sessionCookie, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// Where to go after signing in: a path of this site only, never another site. Browsers drop
    /// tabs and line breaks from a location and read a backslash as a slash, so `/<TAB>/evil` is
    /// `//evil`: any control character or backslash refuses it, as do a second leading slash, a
    /// scheme and a host.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"),
              !next.unicodeScalars.contains(where: { $0 == "\\" || CharacterSet.controlCharacters.contains($0) }),
              let parsed = URLComponents(string: next), parsed.scheme == nil, parsed.host == nil
        else { return "/assets" }
        return next
    }
}
