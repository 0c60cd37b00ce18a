import DataExchange
import Foundation
import HummingbirdTesting
import Ledger
import Testing

@testable import LedgerServer

/// Uploads over the limit, sent by clients that write the whole body before they read the
/// answer: each hears its refusal, none is left hanging, and nothing is imported.
@Suite struct UploadLimitRouteTests {
    static func head(port: Int, length: Int, as account: UserAccount) -> String {
        [
            "POST /v1/bde/import HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: \(TestServer.basic(account)[.authorization] ?? "")",
            "Content-Type: multipart/form-data; boundary=\(TestServer.boundary)", "Content-Length: \(length)",
            // As Python's urllib sends it: a server then drains nothing by itself.
            "Connection: close",
        ].joined(separator: "\r\n")
    }

    static let formPrefix = Array("--\(TestServer.boundary)\r\nContent-Disposition: form-data; name=\"data\"; filename=\"big.csv\"\r\n\r\n".utf8)

    @Test func aClientThatSendsAWholeBodyJustOverTheLimitHearsIts413() async throws {
        try await TestServer().test { server, client in
            let port = try #require(client.port)
            let length = FileSizeLimit.maximumBytes + 1_048_576
            let outcome = try await offMainThread {
                try WholeBodyFirstClient(port: port).post(head: Self.head(port: port, length: length, as: server.importer), prefix: Self.formPrefix, bodyLength: length)
            }
            guard case .answered(let status, let body) = outcome else { Issue.record("no answer: \(outcome)"); return }
            #expect(status == 413)
            #expect(body.contains("71.0 MB") && body.contains("at most 70 MB"), "\(body)")
            #expect(try server.ledger.activityCount() == 0)
        }
    }

    @Test func aBodyFarOverTheLimitIsCutOffNotLeftHanging() async throws {
        try await TestServer().test { server, client in
            let port = try #require(client.port)
            let length = 4 * FileSizeLimit.maximumBytes
            let outcome = try await offMainThread {
                try WholeBodyFirstClient(port: port).post(head: Self.head(port: port, length: length, as: server.importer), prefix: Self.formPrefix, bodyLength: length)
            }
            #expect(outcome == .cutOff)
            #expect(try server.ledger.activityCount() == 0)
            // The server goes on answering.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test func aRefusedRoleIsNotLeftHangingEither() async throws {
        try await TestServer().test { server, client in
            let port = try #require(client.port)
            let length = FileSizeLimit.maximumBytes
            let outcome = try await offMainThread {
                try WholeBodyFirstClient(port: port).post(head: Self.head(port: port, length: length, as: server.auditor), prefix: Self.formPrefix, bodyLength: length)
            }
            #expect(outcome == .cutOff)
            #expect(try server.ledger.activityCount() == 0)
        }
    }

    /// The blocking client runs on a thread of its own, not on the pool the server answers from.
    func offMainThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
