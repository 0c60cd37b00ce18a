import DataExchange
import Foundation
import Hummingbird

/// A file received from a `multipart/form-data` upload, written whole to the staging folder.
struct ReceivedFile {
    let url: URL
    let name: String
}

/// Streams the `data` part of an upload to a file in the staging folder: memory stays bounded
/// whatever the size, and at most the size limit (plus a little for the form itself) is read
/// before a larger upload is refused with 413, whatever its Content-Length claims. A refused or
/// broken upload leaves nothing behind.
struct UploadReceiver {
    static let field = "data"
    /// Room for the multipart boundaries and headers around the file.
    static let formOverhead = 64 * 1024
    let stagingFolder: URL
    var limit = FileSizeLimit.maximumBytes
    /// How much of a refused body is read and dropped so that its client hears why; past it, the
    /// connection is cut.
    var refusedBodyBound: Int { 2 * limit + Self.formOverhead }

    func receive(_ request: Request) async throws -> ReceivedFile {
        guard let contentType = request.headers[.contentType], var reader = MultipartReader(contentType: contentType) else {
            throw ServerError(.unsupportedMediaType, "Send the file as multipart/form-data, in a field named \(Self.field).")
        }
        var body = request.body.makeAsyncIterator()
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit + Self.formOverhead {
            // Many clients (Python's urllib among them) send the whole body before they read an
            // answer: they hear the 413 only once the body is read, so it is read and dropped, up
            // to a bound past which the connection is cut.
            guard declared <= refusedBodyBound else { throw Self.tooLarge(declared: declared, cuttingOff: true) }
            try await Self.discard(&body, upTo: refusedBodyBound)
            throw Self.tooLarge(declared: declared, cuttingOff: false)
        }
        try FileManager.default.createDirectory(at: stagingFolder, withIntermediateDirectories: true)
        let url = stagingFolder.appendingPathComponent("\(UUID().lowercasedString).upload")
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let output = FileHandle(forWritingAtPath: url.path) else {
            throw ServerError(.internalServerError, "The server cannot write to its staging folder.")
        }
        var kept = false
        defer {
            try? output.close()
            if !kept { try? FileManager.default.removeItem(at: url) }
        }
        var received = 0, written = 0
        var inFile = false, fileName: String?
        while let buffer = try await Self.nextPiece(of: &body) {
            received += buffer.readableBytes
            if received > limit + Self.formOverhead {
                try await Self.discard(&body, upTo: limit)
                throw Self.tooLarge(declared: nil, cuttingOff: false)
            }
            let events: [MultipartReader.Event]
            do { events = try reader.consume(buffer.readableBytesView) } catch let error as MultipartReader.Malformed {
                throw ServerError(.badRequest, "The upload is not well-formed multipart/form-data: \(error.message)")
            }
            for event in events {
                switch event {
                case .partStarted(let field, let name):
                    inFile = field == Self.field && fileName == nil
                    if inFile { fileName = name ?? "upload.csv" }
                case .bytes(let bytes) where inFile:
                    written += bytes.count
                    if written > limit {
                        try await Self.discard(&body, upTo: limit)
                        throw Self.tooLarge(declared: nil, cuttingOff: false)
                    }
                    try output.write(contentsOf: bytes)
                case .bytes: break
                case .partEnded: inFile = false
                }
            }
        }
        guard reader.isFinished else { throw ServerError(.badRequest, "The upload ended before its last boundary: it was cut short.") }
        guard let fileName else { throw ServerError(.badRequest, "The upload has no field named \(Self.field).") }
        try output.synchronize()
        kept = true
        return ReceivedFile(url: url, name: Self.safeName(fileName))
    }

    /// Reads and drops what is left of a refused body, keeping none of it, so that a client that
    /// reads its answer only once it has sent everything still gets the 413. A body that goes on
    /// for more than `bound` bytes more is cut off: the connection is closed instead.
    static func discard(_ body: inout RequestBody.AsyncIterator, upTo bound: Int) async throws {
        var dropped = 0
        while let buffer = try await Self.nextPiece(of: &body) {
            dropped += buffer.readableBytes
            if dropped > bound { throw ServerError(.contentTooLarge, "The upload goes on past any Data Exchange file; the connection is closed.", closing: true) }
        }
    }

    /// The body's next piece. A connection that breaks off in the middle of an upload is the
    /// client's doing: a 400 in the server's log, not a 500.
    static func nextPiece(of body: inout RequestBody.AsyncIterator) async throws -> ByteBuffer? {
        do {
            return try await body.next()
        } catch let error as ServerError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServerError(.badRequest, "The upload broke off before its end: the connection closed.")
        }
    }

    /// The refusal of a file over the limit: its size when the client declared it. `cuttingOff`
    /// when the rest of its body is left unread, so the connection must be closed.
    static func tooLarge(declared: Int?, cuttingOff: Bool) -> ServerError {
        let message = declared.flatMap { FileSizeLimit.problem(size: $0, name: "The upload") }
            ?? "The file is larger than 70 MB; files of at most 70 MB are imported. Split the export into smaller files and drop each."
        return ServerError(.contentTooLarge, message, closing: cuttingOff)
    }

    /// Removes what a stopped process left in the staging folder; returns how many files.
    static func removeLeftovers(in stagingFolder: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stagingFolder.path)) ?? []
        return names.filter { $0.hasSuffix(".upload") || $0.hasSuffix("-fix.csv") }
            .filter { (try? FileManager.default.removeItem(at: stagingFolder.appendingPathComponent($0))) != nil }.count
    }

    /// The last component of a client's file name, without control characters.
    static func safeName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? name
        let cleaned = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
        return cleaned.isEmpty ? "upload.csv" : String(cleaned.prefix(200))
    }
}
