#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A lease on SQLite: an exclusive lock on a file named after the work and the import, which the
/// operating system releases when the process ends, however it ends. The file is removed when the
/// lease is released, so one left behind is work its process did not finish.
final class FileLease: WorkLease {
    private var descriptor: Int32
    private let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes the lease of `work` on import `id`; nil when another process holds it. Not a
    /// failable initialiser: one that fails once the lease is built runs `deinit`, which would
    /// remove the file that the holder's lock is on.
    static func take(_ work: LeasedWork, _ id: UUID, in folder: URL) -> FileLease? {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = path(work, id, in: folder)
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return FileLease(descriptor: descriptor, path: path)
    }

    deinit {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
    }

    /// Ends the lease as a process killed in the middle does: its lock goes, its file stays. For
    /// tests.
    func endAsIfKilled() {
        close(descriptor)
        descriptor = -1
    }

    static func path(_ work: LeasedWork, _ id: UUID, in folder: URL) -> String {
        folder.appendingPathComponent("\(id.lowercasedString).\(work.rawValue)").path
    }

    /// The imports whose lease file of `work` is left in `folder` and held by nobody. Looked at
    /// without being taken, so the file stays for whoever records what was left unfinished.
    static func abandoned(_ work: LeasedWork, in folder: URL) -> [UUID] {
        let suffix = "." + work.rawValue
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name in
            guard name.hasSuffix(suffix), let id = UUID(uuidString: String(name.dropLast(suffix.count))) else { return nil }
            let descriptor = open(path(work, id, in: folder), O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return nil }
            flock(descriptor, LOCK_UN)
            return id
        }
    }
}
