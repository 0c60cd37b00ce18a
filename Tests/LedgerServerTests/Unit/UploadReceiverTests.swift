import DataExchange
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import LedgerServer
import TestSupport

@Suite struct UploadReceiverTests {
    private let scratch: TemporaryFolder
    var folder: URL { scratch.url }

    init() throws { scratch = try TemporaryFolder("uploads") }

    func request(_ body: ByteBuffer, contentLength: Int? = nil) -> Request {
        var fields: HTTPFields = [.contentType: "multipart/form-data; boundary=\(TestServer.boundary)"]
        if let contentLength { fields[.contentLength] = String(contentLength) }
        return Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/bde/import", headerFields: fields),
                       body: RequestBody(buffer: body))
    }

    @Test func aFileWithinTheLimitIsStagedWhole() async throws {
        let content = TestServer.exportFile()
        let received = try await UploadReceiver(stagingFolder: folder).receive(request(TestServer.multipart(content, fileName: "../../etc/x.csv")))
        #expect(received.name == "x.csv")
        #expect(try String(contentsOf: received.url, encoding: .utf8) == content)
    }

    @Test func aFileOverTheLimitIsRefusedWithoutReadingItAllAndLeavesNothing() async throws {
        let receiver = UploadReceiver(stagingFolder: folder, limit: 1_000)
        let error = try await #require(throws: ServerError.self) {
            try await receiver.receive(request(TestServer.multipart(String(repeating: "x", count: 5_000))))
        }
        #expect(error.status == .contentTooLarge)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func aDeclaredLengthOverTheLimitIsRefusedAtOnce() async throws {
        let error = try await #require(throws: ServerError.self) {
            try await UploadReceiver(stagingFolder: folder).receive(request(TestServer.multipart("x"), contentLength: FileSizeLimit.maximumBytes + 1_000_000))
        }
        #expect(error.status == .contentTooLarge && error.message.contains("70 MB"))
    }

    @Test func anUploadCutShortIsRefused() async throws {
        var body = TestServer.multipart("A,B\n1,2\n")
        body.moveWriterIndex(to: body.writerIndex - 10)
        let error = try await #require(throws: ServerError.self) { try await UploadReceiver(stagingFolder: folder).receive(request(body)) }
        #expect(error.status == .badRequest)
    }

    /// A sequence of body pieces whose connection breaks after the first.
    struct BrokenOff: AsyncSequence, Sendable {
        struct ConnectionReset: Error {}
        struct AsyncIterator: AsyncIteratorProtocol {
            var sent = false
            mutating func next() async throws -> ByteBuffer? {
                guard !sent else { throw ConnectionReset() }
                sent = true
                return TestServer.multipart("A,B\n1,2\n")
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }

    @Test func anUploadWhoseConnectionBreaksOffIsTheClients400AndLeavesNothing() async throws {
        let fields: HTTPFields = [.contentType: "multipart/form-data; boundary=\(TestServer.boundary)"]
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/bde/import", headerFields: fields),
            body: RequestBody(asyncSequence: BrokenOff()))
        let error = try await #require(throws: ServerError.self) { try await UploadReceiver(stagingFolder: folder).receive(request) }
        #expect(error.status == .badRequest && error.message.contains("broke off"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
