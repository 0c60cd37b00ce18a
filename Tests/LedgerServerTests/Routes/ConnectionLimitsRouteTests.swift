import Foundation
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import LedgerServer

/// Connections cannot be held for nothing: one that sends nothing, or whose body stops coming, is
/// closed, a slow but honest upload still goes through, and connections past the limit are closed
/// at once rather than taking the process's file descriptors.
@Suite struct ConnectionLimitsRouteTests {
    /// The blocking client runs on a thread of its own, not on the pool the server answers from.
    func onAThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    @Test func aConnectionThatSendsNothingIsClosed() async throws {
        try await TestServer().test(idleTimeout: .seconds(1)) { _, client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            let answer = try await onAThread { try RawConnection(port: port, timeout: 10).readUntilClosed() }
            #expect(answer == "")
            #expect(ContinuousClock.now - started < .seconds(8))
        }
    }

    @Test func aBodyThatStopsComingClosesItsConnectionAndImportsNothing() async throws {
        try await TestServer().test(bodyReadTimeout: .seconds(1)) { server, client in
            let port = try #require(client.port)
            let authorization = try #require(TestServer.basic(server.importer)[.authorization])
            let answer = try await onAThread {
                let connection = try RawConnection(port: port, timeout: 10)
                try connection.send(
                    "POST /v1/bde/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(authorization)\r\nContent-Type: multipart/form-data; boundary=\(TestServer.boundary)\r\nContent-Length: 100000\r\n\r\n--\(TestServer.boundary)\r\nContent-Disposition: form-data; name=\"data\"; filename=\"cut.csv\"\r\n\r\nAccount_ID,")
                return connection.readUntilClosed()
            }
            // Closed, not left waiting: the receive timeout (10 s) would have given nil.
            #expect(answer != nil)
            #expect(try server.ledger.activityCount() == 0)
        }
    }

    @Test func aSlowButHonestUploadGoesThrough() async throws {
        try await TestServer().test(bodyReadTimeout: .seconds(1)) { server, client in
            let port = try #require(client.port)
            let authorization = try #require(TestServer.basic(server.importer)[.authorization])
            let body = String(buffer: TestServer.multipart(TestServer.exportFile()))
            let answer = try await onAThread {
                let connection = try RawConnection(port: port, timeout: 10)
                try connection.send(
                    "POST /v1/bde/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(authorization)\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=\(TestServer.boundary)\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
                // In pieces, each well within the timeout, the whole well beyond it.
                let pieces = stride(from: 0, to: body.utf8.count, by: body.utf8.count / 5 + 1).map { start in
                    String(decoding: Array(body.utf8)[start..<min(start + body.utf8.count / 5 + 1, body.utf8.count)], as: UTF8.self)
                }
                for piece in pieces {
                    Thread.sleep(forTimeInterval: 0.4)
                    try connection.send(piece)
                }
                return connection.readUntilClosed()
            }
            #expect(answer?.hasPrefix("HTTP/1.1 202") == true, "\(answer ?? "nil")")
        }
    }

    @Test func aConnectionPastTheLimitIsClosedAtOnceAndThereIsRoomAgainWhenOneCloses() async throws {
        try await TestServer().test(maximumConnections: 3) { _, client in
            let port = try #require(client.port)
            // The test client's own connection is one of the three; a request shows it is open.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let outcome = try await onAThread {
                let health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                // Each held connection is answered before the next opens, so each is counted in turn.
                var held = [RawConnection](), heldAnswers = [String?]()
                for _ in 1...2 {
                    let connection = try RawConnection(port: port, timeout: 10)
                    try connection.send(health)
                    heldAnswers.append(connection.read(until: "\r\n\r\nok"))
                    held.append(connection)
                }

                let started = ContinuousClock.now
                let past = try RawConnection(port: port, timeout: 10)
                // The server may have closed it before this is sent: a refused send is a refusal too.
                try? past.send(health)
                let refused = past.readUntilClosed()
                let refusedAfter = ContinuousClock.now - started

                held.removeFirst()
                var answeredAgain = false
                for _ in 0..<50 where !answeredAgain {
                    let connection = try RawConnection(port: port, timeout: 10)
                    try? connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    answeredAgain = connection.readUntilClosed()?.hasPrefix("HTTP/1.1 200") == true
                    if !answeredAgain { Thread.sleep(forTimeInterval: 0.1) }
                }
                return (heldAnswers: heldAnswers, refused: refused, refusedAfter: refusedAfter, answeredAgain: answeredAgain)
            }
            #expect(outcome.heldAnswers.allSatisfy { $0?.hasPrefix("HTTP/1.1 200") == true })
            #expect(outcome.refused == "", "closed without an answer, neither answered nor left waiting (nil)")
            #expect(outcome.refusedAfter < .seconds(2))
            #expect(outcome.answeredAgain, "one held connection closed, so a new one is served")
        }
    }
}
