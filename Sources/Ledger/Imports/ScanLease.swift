#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Says that a process is scanning an import: an exclusive lock on a file named after it, which
/// the operating system releases when the process ends, however it ends. An import that is
/// uploaded but not scanned, and whose lease nobody holds, was interrupted.
final class ScanLease {
    private let descriptor: Int32
    private let path: String

    /// Takes the lease of import `id`; nil when another process holds it.
    init?(_ id: UUID, in folder: URL) {
        path = folder.appendingPathComponent("\(id.lowercasedString).scanning").path
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
    }

    deinit {
        unlink(path)
        close(descriptor)
    }
}
