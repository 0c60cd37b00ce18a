#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Says that a process is scanning or approving an import: an exclusive lock on a file named
/// after it, which the operating system releases when the process ends, however it ends. An
/// import that is uploaded but not scanned, and whose scan lease nobody holds, was interrupted;
/// so was an approval whose lease file is still there and held by nobody.
final class WorkLease {
    enum Work: String {
        case scanning, approving
    }

    private let descriptor: Int32
    private let path: String

    /// Takes the lease of `work` on import `id`; nil when another process holds it.
    init?(_ work: Work, _ id: UUID, in folder: URL) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("\(id.lowercasedString).\(work.rawValue)").path
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
