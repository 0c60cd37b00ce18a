#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the scanner reads a file's bytes from: read twice at most (the encoding check, then the
/// scan), a buffer at a time, so memory stays bounded whatever the file's size.
public protocol ByteSource: Sendable {
    /// The total size in bytes.
    var size: Int { get }
    /// Reads up to `buffer.count` bytes at `offset`; returns how many it read, 0 at the end.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file on disk, read with `pread`.
public final class FileByteSource: ByteSource, Sendable {
    public let path: String
    public let size: Int
    private let descriptor: Int32

    public init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw DataExchangeError(.unreadableFile, "Cannot open \(path): \(String(cString: strerror(errno))).", path: path)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw DataExchangeError(.unreadableFile, "\(path) is not a regular file.", path: path)
        }
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw DataExchangeError(.unreadableFile, "Cannot read \(path): \(String(cString: strerror(errno))).", path: path)
        }
    }
}

/// Bytes already in memory, such as a test's file.
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public var size: Int { bytes.count }

    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = max(0, min(buffer.count, bytes.count - offset))
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        return count
    }
}
