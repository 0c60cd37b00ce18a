import Hummingbird
import Logging

/// Logs every request once it is answered: method, path, status and duration.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var status = "error"
        defer {
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info(
                "request",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)", "ms": "\((milliseconds * 10).rounded() / 10)"])
        }
        let response = try await next(request, context)
        status = "\(response.status.code)"
        return response
    }
}
