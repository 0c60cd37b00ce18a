import Hummingbird

extension Response {
    /// This answer, with `action` run once its body is written (or its writing failed): for what
    /// must wait until the client has been answered, such as closing the connection or removing
    /// the file the body was read from.
    func afterBodyWritten(_ action: @escaping @Sendable () -> Void) -> Response {
        var response = self
        let body = self.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { action() }
            try await body.write(writer)
        }
        return response
    }
}
