import Foundation
import HTTPTypes
import Hummingbird
import Ledger

/// Finds who makes each request: a session cookie (the web page) or basic authentication (a
/// CIS calling the API). Refuses a session's unsafe request without its CSRF token, whether it
/// comes from a form (field `csrf`) or from the page's script (header `X-CSRF-Token`).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    static let sessionCookie = "dx_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let csrfField = "csrf"
    /// A form with a CSRF field is small; uploads carry the token in the header.
    static let largestForm = 64 * 1024

    let ledger: ServedLedger
    let sessions: SessionStore
    let signIn: SignInService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        if let credentials = BasicCredentials(request.headers[.authorization]) {
            context.via = .api
            context.user = try await signIn.signIn(email: credentials.email, password: credentials.password, via: .api, clientAddress: context.clientAddress)
            return try await next(request, context)
        }
        if let token = request.cookies[Self.sessionCookie]?.value, let session = try await sessions.session(token) {
            context.session = session
            if let userID = session.userID, let account = try? await ledger.run({ try $0.user(id: userID) }), !account.disabled { context.user = account }
        }
        // A session is what a browser sends by itself: its unsafe requests must prove they come
        // from this site's pages. Without one, the routes answer 401 (the sign-in form checks
        // that it has the session of its own page).
        if let session = context.session, ![.get, .head, .options].contains(request.method) {
            guard let token = try await Self.csrfToken(of: &request), Self.same(token, session.csrfToken) else { throw ServerError.badCSRFToken }
        }
        return try await next(request, context)
    }

    /// Compares two tokens in a time that does not depend on where they differ.
    static func same(_ given: String, _ expected: String) -> Bool {
        let given = Array(given.utf8), expected = Array(expected.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The CSRF token a request carries, reading a form's body (and keeping it for the route).
    static func csrfToken(of request: inout Request) async throws -> String? {
        if let header = request.headers[csrfHeader] { return header }
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else { return nil }
        let body = try await request.collectBody(upTo: largestForm)
        return FormFields(String(buffer: body))[csrfField]
    }
}

/// `Authorization: Basic …`, decoded.
struct BasicCredentials {
    let email: String
    let password: String

    init?(_ header: String?) {
        guard let header, header.lowercased().hasPrefix("basic "), let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        email = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
    }
}

/// The fields of an `application/x-www-form-urlencoded` body or query.
struct FormFields {
    private var values: [String: String] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first, values[name] == nil { values[name] = parts.count > 1 ? parts[1] : "" }
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    /// A field that must be there and not blank; 400 otherwise.
    func require(_ name: String) throws -> String {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw ServerError(.badRequest, "The form needs \(name).")
        }
        return value
    }
}
