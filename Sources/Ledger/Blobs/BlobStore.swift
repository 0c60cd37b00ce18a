import Crypto
import Foundation

/// What a stored blob is known by: its SHA-256 and size. Events carry this, never the bytes.
public struct BlobReference: Sendable, Codable, Hashable {
    public var sha256: String
    public var size: Int

    public init(sha256: String, size: Int) {
        self.sha256 = sha256
        self.size = size
    }
}

/// Original files and exceptions reports, stored once each under their SHA-256, never altered: a
/// blob is written to a temporary file while it is hashed, then renamed into place, so a crash
/// leaves no half blob under a real name.
///
/// On SQLite the folder beside the ledger is the store. When several servers share a database,
/// the database is (`SharedBlobs`, docs/decisions/0025) and the folder is this server's cache: a
/// blob is in the database before `store` returns, so before any event names it, and a blob
/// another server stored is fetched into the folder, checked, when first read here.
public struct BlobStore: Sendable {
    public let folder: URL
    let shared: (any SharedBlobs)?

    public init(folder: URL) throws {
        try self.init(folder: folder, shared: nil)
    }

    init(folder: URL, shared: (any SharedBlobs)?) throws {
        self.folder = folder
        self.shared = shared
        do {
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        } catch {
            throw LedgerError(.storage, "Cannot create the blob folder \(folder.path): \(error.localizedDescription)")
        }
    }

    /// The folder of blobs for the ledger at `databasePath`.
    public init(besideDatabase databasePath: String) throws {
        try self.init(folder: URL(fileURLWithPath: databasePath + ".blobs"))
    }

    /// Where work files are written before they are renamed into place.
    private var incoming: URL { folder.appendingPathComponent("incoming") }

    private func location(of reference: BlobReference) -> URL {
        folder.appendingPathComponent(String(reference.sha256.prefix(2))).appendingPathComponent(reference.sha256)
    }

    /// The blob's file in the folder, to read in place; one another server stored is fetched from
    /// the database first, and refused unless it has its hash and size.
    public func file(of reference: BlobReference) throws -> URL {
        let local = location(of: reference)
        guard !FileManager.default.fileExists(atPath: local.path) else { return local }
        guard let shared else { throw LedgerError(.notFound, "The stored file \(reference.sha256) is missing from \(folder.path).") }
        try fetch(reference, from: shared, to: local)
        return local
    }

    /// The blob's file, after checking that it still has its hash: for what is read whole or
    /// handed on as it is.
    public func checkedFile(of reference: BlobReference) throws -> URL {
        let local = try file(of: reference)
        try check(local, holds: reference)
        return local
    }

    /// Stores a copy of the file at `source`, reading it in pieces.
    public func store(fileAt source: URL) throws -> BlobReference {
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw LedgerError(.notFound, "Cannot read \(source.path).")
        }
        defer { try? input.close() }
        return try store { try input.read(upToCount: 1 << 20) }
    }

    /// Stores the work file at `source` (in this store's folder, which it leaves), renaming it into
    /// place once hashed rather than copying it: a first import's change preview is as large as
    /// its file. With a shared store it is copied into the database as `store(fileAt:)` does.
    func store(movingWorkFileAt source: URL) throws -> BlobReference {
        guard shared == nil else {
            defer { try? FileManager.default.removeItem(at: source) }
            return try store(fileAt: source)
        }
        guard let input = FileHandle(forUpdatingAtPath: source.path) else { throw LedgerError(.notFound, "Cannot read \(source.path).") }
        var measure = Measure()
        do {
            defer { try? input.close() }
            while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty { measure.add(piece) }
            try input.synchronize()
        } catch {
            throw LedgerError(.storage, "Cannot store the file: \(error.localizedDescription)")
        }
        let reference = measure.reference
        try place(source, at: location(of: reference))
        return reference
    }

    /// A blob in the folder whose copy into the shared database may still be under way.
    struct StoredLocally: Sendable {
        let reference: BlobReference
        fileprivate let sharing: Handoff<Result<Void, any Error>>?

        /// Whether a copy into the database is under way: nothing may name the blob before
        /// `waitUntilShared()` has returned.
        var isBeingShared: Bool { sharing != nil }

        /// Waits until the blob is in the shared database as well; throws what stopped its copy.
        /// Call it once.
        func waitUntilShared() throws { try sharing?.wait().get() }
    }

    /// Stores a copy of the file at `source` in the folder, then, with a shared store, copies it
    /// into the database on a thread of its own (unless the database has it already) while the
    /// caller reads it here: a 70 MB file's scan and its copy take about as long as each other.
    func storeSharingMeanwhile(fileAt source: URL) throws -> StoredLocally {
        let reference = try BlobStore(folder: folder, shared: nil).store(fileAt: source)
        guard let shared else { return StoredLocally(reference: reference, sharing: nil) }
        let (file, folder) = (location(of: reference), folder)
        let sharing = Handoff<Result<Void, any Error>>()
        sharing.startOnThreadOfItsOwn {
            Result {
                guard try !shared.hasBlob(reference) else { return }
                guard let input = FileHandle(forReadingAtPath: file.path) else { throw LedgerError(.notFound, "Cannot read \(file.path).") }
                defer { try? input.close() }
                _ = try shared.storeBlob { put in
                    var size = 0
                    while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty {
                        size += piece.count
                        try put(piece)
                    }
                    guard size == reference.size else {
                        throw LedgerError(.tampered, "The stored file \(reference.sha256) changed in \(folder.path) while it was copied into the database.")
                    }
                    return reference
                }
            }
        }
        return StoredLocally(reference: reference, sharing: sharing)
    }

    /// Stores `bytes`.
    public func store(_ bytes: Data) throws -> BlobReference {
        var pending: Data? = bytes
        return try store {
            defer { pending = nil }
            return pending
        }
    }

    /// Stores what `next` hands out, piece by piece, until it hands out nil or an empty piece.
    /// With a shared store, each piece also goes to the database as it is written here.
    public func store(pieces next: () throws -> Data?) throws -> BlobReference {
        let temporary = try temporaryFile()
        func write(sharing put: (Data) throws -> Void) throws -> BlobReference {
            var measure = Measure()
            while let piece = try next(), !piece.isEmpty {
                measure.add(piece)
                try temporary.handle.write(contentsOf: piece)
                try put(piece)
            }
            try temporary.handle.synchronize()
            try temporary.handle.close()
            return measure.reference
        }
        let reference: BlobReference
        do {
            reference = try shared?.storeBlob(write(sharing:)) ?? write(sharing: { _ in })
        } catch {
            temporary.discard()
            if let error = error as? LedgerError { throw error }
            throw LedgerError(.storage, "Cannot store the file: \(error.localizedDescription)")
        }
        try place(temporary.url, at: location(of: reference))
        return reference
    }

    /// Copies a blob to `destination`, after checking that it still has its hash.
    public func copy(_ reference: BlobReference, to destination: URL) throws {
        let source = try checkedFile(of: reference)
        let folder = destination.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw LedgerError(.storage, "Cannot write \(destination.path): there is no folder \(folder.path).")
        }
        if FileManager.default.fileExists(atPath: destination.path) { try? FileManager.default.removeItem(at: destination) }
        do {
            try FileManager.default.copyItem(at: source, to: destination)
        } catch {
            throw LedgerError(.storage, "Cannot write \(destination.path): \(error.localizedDescription)")
        }
    }

    /// Every blob stored in the folder.
    func storedFiles() throws -> [BlobReference] {
        let fileManager = FileManager.default
        var files: [BlobReference] = []
        for folder in try fileManager.contentsOfDirectory(atPath: folder.path) where folder != "incoming" {
            let shard = self.folder.appendingPathComponent(folder)
            for name in try fileManager.contentsOfDirectory(atPath: shard.path) where name.count == 64 {
                let size = try fileManager.attributesOfItem(atPath: shard.appendingPathComponent(name).path)[.size] as? Int ?? 0
                files.append(BlobReference(sha256: name, size: size))
            }
        }
        return files.sorted { $0.sha256 < $1.sha256 }
    }

    /// Throws unless the blob is there with its size and hash: in the database when it is
    /// shared (what every server serves), else in the folder.
    public func check(_ reference: BlobReference) throws {
        guard let shared else { return try check(location(of: reference), holds: reference) }
        var measure = Measure()
        try shared.readBlob(reference) { piece in measure.add(piece) }
        guard measure.reference == reference else {
            throw LedgerError(.tampered, "The stored file \(reference.sha256) was altered in the database: its content no longer has its hash.")
        }
    }

    private func check(_ file: URL, holds reference: BlobReference) throws {
        guard let input = FileHandle(forReadingAtPath: file.path) else {
            throw LedgerError(.notFound, "The stored file \(reference.sha256) is missing from \(folder.path).")
        }
        defer { try? input.close() }
        var measure = Measure()
        while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty { measure.add(piece) }
        guard measure.reference == reference else {
            throw LedgerError(.tampered, "The stored file \(reference.sha256) was altered: its content no longer has its hash.")
        }
    }

    /// Writes the shared copy to a temporary file while hashing it, and renames it into place
    /// only when it is whole and unaltered.
    private func fetch(_ reference: BlobReference, from shared: any SharedBlobs, to destination: URL) throws {
        let temporary = try temporaryFile()
        var measure = Measure()
        do {
            try shared.readBlob(reference) { piece in
                measure.add(piece)
                try temporary.handle.write(contentsOf: piece)
            }
            try temporary.handle.close()
        } catch {
            temporary.discard()
            if error is LedgerError { throw error }
            throw LedgerError(.storage, "Cannot fetch the stored file \(reference.sha256) into \(folder.path): \(error.localizedDescription)")
        }
        guard measure.reference == reference else {
            temporary.discard()
            throw LedgerError(.tampered, "The stored file \(reference.sha256) was altered in the database: its content no longer has its hash.")
        }
        try place(temporary.url, at: destination)
    }

    /// The SHA-256 and size of bytes read a piece at a time.
    private struct Measure {
        private var hasher = SHA256()
        private var size = 0

        mutating func add(_ piece: Data) {
            hasher.update(data: piece)
            size += piece.count
        }

        var reference: BlobReference { BlobReference(sha256: hasher.finalize().hex, size: size) }
    }

    private struct TemporaryFile {
        let url: URL
        let handle: FileHandle

        func discard() {
            try? handle.close()
            try? FileManager.default.removeItem(at: url)
        }
    }

    private func temporaryFile() throws -> TemporaryFile {
        let url = incoming.appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw LedgerError(.storage, "Cannot write in \(folder.path).")
        }
        return TemporaryFile(url: url, handle: handle)
    }

    /// Renames a whole, hashed file to its blob's name. The same bytes there already, or put
    /// there meanwhile by another request fetching them too, are kept.
    private func place(_ temporary: URL, at destination: URL) throws {
        defer { try? FileManager.default.removeItem(at: temporary) }
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.moveItem(at: temporary, to: destination) }
        } catch where FileManager.default.fileExists(atPath: destination.path) {
            // Another request placed the very same bytes first.
        } catch {
            throw LedgerError(.storage, "Cannot store the file: \(error.localizedDescription)")
        }
    }
}
