#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through a buffer, so that writing a report of a million lines costs a few
/// hundred system calls and constant memory.
public final class OutputFile {
    public let path: String
    private let descriptor: Int32
    /// Whether this file opened the descriptor, and so closes it.
    private let owned: Bool
    private var buffer: [UInt8] = []
    private static let flushSize = 1 << 16

    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DataExchangeError(.cannotWrite, "Cannot write \(path): \(String(cString: strerror(errno))).", path: path)
        }
        owned = true
        buffer.reserveCapacity(Self.flushSize * 2)
    }

    private init(path: String, descriptor: Int32) {
        (self.path, self.descriptor, owned) = (path, descriptor, false)
        buffer.reserveCapacity(Self.flushSize * 2)
    }

    /// The process's standard output, written through the same buffer (and left open).
    public static func standardOutput() -> OutputFile { OutputFile(path: "standard output", descriptor: STDOUT_FILENO) }

    deinit { if owned { close(descriptor) } }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushSize { try flush() }
    }

    public func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushSize { try flush() }
    }

    public func flush() throws {
        var written = 0
        while written < buffer.count {
            let count = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw DataExchangeError(.cannotWrite, "Cannot write \(path): \(String(cString: strerror(errno))).", path: path)
            }
            written += count
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
