import Crypto
import Foundation

/// A file of the inbox as one look saw it.
public struct InboxFile: Sendable, Hashable {
    public var url: URL
    public var size: Int
    public var modified: Date
    /// Its `.done` marker, in the mode that waits for one.
    public var marker: URL?

    public var name: String { url.lastPathComponent }

    /// Looked at now: whether it is still there as it was seen, neither moved nor written since.
    var isUnchanged: Bool {
        guard let now = Self.seen(url) else { return false }
        return now.size == size && now.modified == modified
    }

    /// A regular file's size and modification time; nil for a folder, a link or what is gone.
    static func seen(_ url: URL) -> (size: Int, modified: Date)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date
        else { return nil }
        return (size, modified)
    }
}

/// What the looks at an inbox folder remember between them: when each file was last seen to
/// change, the ids already worked out, and the problems already told.
public struct InboxWatch: Sendable {
    private struct Sighting: Sendable {
        var file: InboxFile
        /// Since when its size and time are known to have stood still.
        var stillSince: Date
    }

    private var sightings: [String: Sighting] = [:]
    private var lastLook: Date?
    /// The import id of each version of a file already hashed: a file another server holds
    /// is looked at again and again until it goes, and is hashed once.
    private var identities: [InboxFile: InboxFileIdentity] = [:]
    private var problems: Set<InboxFile> = []

    public init() {}

    /// The files of `folder` that match and have settled, oldest first. Subfolders, dotfiles and
    /// markers are never taken.
    mutating func look(in folder: URL, mask: InboxMask, settle: Duration, waitsForDoneMarker: Bool) -> [InboxFile] {
        let now = Date()
        // A file that changed since the last look was last written at its time, unless that
        // time lies before the last look (an upload that keeps the original's time).
        let previousLook = lastLook ?? now
        lastLook = now
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let nameSet = Set(names)
        var seen: [String: Sighting] = [:]
        var settled: [InboxFile] = []
        let settleSeconds = Double(settle.components.seconds) + Double(settle.components.attoseconds) / 1e18
        for name in names where !name.hasPrefix(".") && !name.lowercased().hasSuffix(InboxMask.markerSuffix) && mask.matches(name) {
            let url = folder.appendingPathComponent(name)
            guard let (size, modified) = InboxFile.seen(url) else { continue }
            let marker = name + InboxMask.markerSuffix
            let file = InboxFile(url: url, size: size, modified: modified, marker: waitsForDoneMarker ? folder.appendingPathComponent(marker) : nil)
            if waitsForDoneMarker {
                // The sender says when it is whole.
                if nameSet.contains(marker) { settled.append(file) }
                continue
            }
            var sighting = sightings[name] ?? Sighting(file: file, stillSince: now)
            if sighting.file != file {
                sighting = Sighting(file: file, stillSince: min(now, max(modified, previousLook)))
            }
            seen[name] = sighting
            if now.timeIntervalSince(sighting.stillSince) >= settleSeconds { settled.append(file) }
        }
        sightings = seen
        identities = identities.filter { file, _ in nameSet.contains(file.name) }
        problems = problems.filter { nameSet.contains($0.name) }
        return settled.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    /// What `file`'s bytes are known by: its name, size, time and SHA-256. Nil when the file
    /// changed while it was hashed.
    mutating func identity(of file: InboxFile) throws -> InboxFileIdentity? {
        if let known = identities[file] { return known }
        guard let input = FileHandle(forReadingAtPath: file.url.path) else {
            throw LedgerError(.notFound, "Cannot read \(file.url.path): no permission, or it is gone; it stays in the inbox and is tried again.")
        }
        defer { try? input.close() }
        var hash = SHA256()
        while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty { hash.update(data: piece) }
        guard file.isUnchanged else { return nil }
        let identity = InboxFileIdentity(
            name: file.name, size: file.size, modified: file.modified, sha256: hash.finalize().map { String(format: "%02x", $0) }.joined())
        identities[file] = identity
        return identity
    }

    /// Whether this is the first problem with this version of the file: each is told once.
    mutating func firstProblem(with file: InboxFile) -> Bool { problems.insert(file).inserted }

    /// The file left the inbox.
    mutating func forget(_ file: InboxFile) {
        sightings[file.name] = nil
        identities[file] = nil
    }
}

/// One version of an inbox file: its name, size, modification time and the SHA-256 of its bytes.
struct InboxFileIdentity: Sendable, Hashable {
    var name: String
    var size: Int
    var modified: Date
    var sha256: String

    /// The id of its import, worked out from what it is: a run that stopped before moving the
    /// file finds the same id, and the same bytes dropped again later (a new time) get a new
    /// one. An attempt after one whose scan never ended (the process stopped in the middle)
    /// gets the next id.
    func importID(attempt: Int = 0) -> UUID {
        let key = "inbox\n\(name)\n\(size)\n\(modified.timeIntervalSince1970)\n\(sha256)" + (attempt == 0 ? "" : "\n\(attempt)")
        var bytes = Array(SHA256.hash(data: Data(key.utf8)).prefix(16))
        // A UUID of version 8 (made by the application), RFC 9562 variant.
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// Which file names an inbox takes: a glob of `*` (any run of characters) and `?` (any one),
/// regardless of case, so `*.csv` takes `EXPORT.CSV` too.
public struct InboxMask: Sendable {
    private let pattern: [Character]
    static let markerSuffix = ".done"

    public init(_ glob: String) { pattern = Array(glob.lowercased()) }

    public func matches(_ name: String) -> Bool {
        let name = Array(name.lowercased())
        // The classic two-pointer glob match: back up to the last `*` on a mismatch.
        var (p, n) = (0, 0)
        var star: (pattern: Int, name: Int)?
        while n < name.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = (p, n)
                p += 1
            } else if let last = star {
                p = last.pattern + 1
                n = last.name + 1
                star = (last.pattern, last.name + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
