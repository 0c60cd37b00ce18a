import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP receiver on 127.0.0.1 that records every request it is sent and answers as told:
/// what the webhooks' tests send their deliveries to.
final class Receiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: HTTPFields
        var body: Data

        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    enum Behaviour: Sendable {
        case accept
        case answer(HTTPResponse.Status)
        /// Answers 200 after this long.
        case slow(Duration)
    }

    /// What it was sent, and how it answers: shared with the routes' handler.
    private final class State: Sendable {
        let value: Mutex<(behaviour: Behaviour, received: [Received])>
        init(_ behaviour: Behaviour) { value = Mutex((behaviour, [])) }
        func withLock<T>(_ body: (inout (behaviour: Behaviour, received: [Received])) -> T) -> T { value.withLock { body(&$0) } }
    }

    private let state: State
    private let server: Task<Void, any Error>
    let port: Int

    /// Starts listening on `port` (0: one the system picks).
    init(port: Int = 0, behaviour: Behaviour = .accept) async throws {
        let state = State(behaviour)
        let router = Router()
        router.post("**") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let behaviour = state.withLock { state in
                state.received.append(Received(path: request.uri.path, headers: request.headers, body: body))
                return state.behaviour
            }
            switch behaviour {
            case .accept: return Response(status: .ok)
            case .answer(let status): return Response(status: status)
            case .slow(let delay):
                try await Task.sleep(for: delay)
                return Response(status: .ok)
            }
        }
        let (listening, listener) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "receiver")
        // A stopped receiver's connections are cut off: not worth a line each.
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                listener.yield(channel.localAddress?.port ?? 0)
                listener.finish()
            }, logger: logger)
        server = Task { try await application.run() }
        var bound = 0
        for await value in listening { bound = value }
        self.port = bound
        self.state = state
    }

    func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    var received: [Received] { state.withLock { $0.received } }

    func received(at path: String) -> [Received] { received.filter { $0.path == path } }

    func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    /// Stops listening: nothing answers on its port any more.
    func stop() async {
        server.cancel()
        _ = await server.result
    }

    deinit { server.cancel() }
}
