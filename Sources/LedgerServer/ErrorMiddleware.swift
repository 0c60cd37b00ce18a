import Foundation
import Hummingbird
import Logging
import NIOCore

/// Turns every error a route throws into an answer: JSON `{"error": {"status", "message"}}` for
/// the API, an error page for a person, and the sign-in page when a person is not signed in.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = ServerError(error)
            if failure.status == .internalServerError {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            }
            let response = try answer(failure, to: request, context: context)
            // A client that asked to close gets no drain of an unread body from the server (only
            // kept-alive connections are drained): it may still be sending, so it is cut off.
            let closing = failure.closesConnection || request.headers[.connection]?.lowercased() == "close"
            return closing ? Self.closingAfterwards(response, channel: context.channel) : response
        }
    }

    private func answer(_ failure: ServerError, to request: Request, context: Context) throws -> Response {
        if Self.wantsJSON(request) {
            var response = try JSONResponse.encode(ErrorBody(error: .init(status: Int(failure.status.code), message: failure.message)), status: failure.status)
            // Only to clients without a session: a browser asked for basic credentials would
            // keep sending them by itself, and they need no CSRF token.
            if failure.status == .unauthorized, request.cookies[AuthenticationMiddleware.sessionCookie] == nil {
                response.headers[.wwwAuthenticate] = "Basic realm=\"Data Exchange\""
            }
            return response
        }
        if failure.status == .unauthorized, request.method == .get {
            return Response.redirect(to: "/signin?next=\(request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")")
        }
        return try pages.errorPage(failure, context: context)
    }

    /// The answer, after which the connection is closed both ways. A half-close is not enough:
    /// a client still sending a body that is no longer read would wait for ever to be heard.
    static func closingAfterwards(_ response: Response, channel: any Channel) -> Response {
        var response = response
        response.headers[.connection] = "close"
        return response.afterBodyWritten { channel.close(promise: nil) }
    }

    /// The API and the page's own script get JSON; a person's browser gets a page.
    static func wantsJSON(_ request: Request) -> Bool {
        request.uri.path.hasPrefix("/v1/") || request.headers[.accept]?.contains("application/json") == true
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var status: Int
            var message: String
        }
        var error: Detail
    }
}

/// JSON answers, encoded one way everywhere: sorted keys, ISO 8601 dates.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
