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
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(socket) }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.init(rawValue: errno) ?? .ECONNREFUSED) }

        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
        var pending = Array((head + "\r\n\r\n").utf8) + prefix
        var remaining = bodyLength - prefix.count
        while !pending.isEmpty || remaining > 0 {
            if pending.isEmpty {
                let count = min(remaining, filler.count)
                pending = Array(filler[0..<count])
                remaining -= count
            }
            let sent = pending.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return .hung }
                return .cutOff
            }
            pending.removeFirst(sent)
        }

        var answer = [UInt8](), buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .hung }
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else { return .cutOff }
        return .answered(status: status, body: text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
    }
}
