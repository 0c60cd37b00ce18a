import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A client that, like Python's `urllib` and many others, writes a request's whole body before it
/// reads a byte of the answer: over a blocking socket, so that a server that stops reading holds
/// it exactly as it holds those clients, until the socket's timeout.
struct WholeBodyFirstClient {
    enum Outcome: Equatable {
        /// The server answered, once the whole body was written: the status and the body.
        case answered(status: Int, body: String)
        /// The server closed the connection while the body was still being written.
        case cutOff
        /// Nothing moved for `timeout`: the client was left hanging.
        case hung
    }

    let port: Int
    /// How long one send or receive may wait before the client counts itself hung.
    var timeout: Int = 20

    /// POSTs `head` (the request line and headers, without the blank line) and then a body of
    /// `bodyLength` bytes, `prefix` first and filler after it.
    func post(head: String, prefix: [UInt8], bodyLength: Int) throws -> Outcome {
        let connection = try RawConnection(port: port, timeout: timeout)
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
        do {
            try connection.send(Array((head + "\r\n\r\n").utf8) + prefix)
            var remaining = bodyLength - prefix.count
            while remaining > 0 {
                let count = min(remaining, filler.count)
                try connection.send(Array(filler[0..<count]))
                remaining -= count
            }
        } catch let error as POSIXError {
            return error.code == .EAGAIN || error.code == .EWOULDBLOCK ? .hung : .cutOff
        }
        guard let text = connection.readUntilClosed() else { return .hung }
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else { return .cutOff }
        return .answered(status: status, body: text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
    }
}
