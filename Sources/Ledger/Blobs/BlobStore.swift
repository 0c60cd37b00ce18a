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

/// Original files and exceptions reports, stored once each under their SHA-256 in a folder
/// beside the ledger, never altered: a blob is written to a temporary file while it is hashed,
/// then renamed into place, so a crash leaves no half blob under a real name.
public struct BlobStore: Sendable {
    public let folder: URL

    public init(folder: URL) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("incoming"), withIntermediateDirectories: true)
        } catch {
            throw LedgerError(.storage, "Cannot create the blob folder \(folder.path): \(error.localizedDescription)")
        }
    }

    /// The folder of blobs for the ledger at `databasePath`.
    public init(besideDatabase databasePath: String) throws {
        try self.init(folder: URL(fileURLWithPath: databasePath + ".blobs"))
    }

    public func url(of reference: BlobReference) -> URL {
        folder.appendingPathComponent(String(reference.sha256.prefix(2))).appendingPathComponent(reference.sha256)
    }

    /// Stores a copy of the file at `source`, reading it in pieces.
    public func store(fileAt source: URL) throws -> BlobReference {
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw LedgerError(.notFound, "Cannot read \(source.path).")
        }
        defer { try? input.close() }
        return try store { try input.read(upToCount: 1 << 20) }
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
    public func store(pieces next: () throws -> Data?) throws -> BlobReference {
        let temporary = folder.appendingPathComponent("incoming").appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let output = FileHandle(forWritingAtPath: temporary.path) else {
            throw LedgerError(.storage, "Cannot write in \(folder.path).")
        }
        var hasher = SHA256()
        var size = 0
        do {
            while let piece = try next(), !piece.isEmpty {
                hasher.update(data: piece)
                try output.write(contentsOf: piece)
                size += piece.count
            }
            try output.synchronize()
            try output.close()
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(at: temporary)
            throw LedgerError(.storage, "Cannot store the file: \(error.localizedDescription)")
        }
        let reference = BlobReference(sha256: hasher.finalize().hex, size: size)
        let destination = url(of: reference)
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: destination.path) {
                try FileManager.default.removeItem(at: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: destination)
            }
        } catch {
            throw LedgerError(.storage, "Cannot store the file: \(error.localizedDescription)")
        }
        return reference
    }

    /// Copies a blob to `destination`, after checking that it still has its hash.
    public func copy(_ reference: BlobReference, to destination: URL) throws {
        try check(reference)
        let folder = destination.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw LedgerError(.storage, "Cannot write \(destination.path): there is no folder \(folder.path).")
        }
        if FileManager.default.fileExists(atPath: destination.path) { try? FileManager.default.removeItem(at: destination) }
        do {
            try FileManager.default.copyItem(at: url(of: reference), to: destination)
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

    /// The file of a stored blob.
    func file(of reference: BlobReference) throws -> URL { url(of: reference) }

    /// Throws unless the blob is there with its size and hash.
    public func check(_ reference: BlobReference) throws {
        guard let input = FileHandle(forReadingAtPath: url(of: reference).path) else {
            throw LedgerError(.notFound, "The stored file \(reference.sha256) is missing from \(folder.path).")
        }
        defer { try? input.close() }
        var hasher = SHA256()
        var size = 0
        while let piece = try input.read(upToCount: 1 << 20), !piece.isEmpty {
            hasher.update(data: piece)
            size += piece.count
        }
        let sha = hasher.finalize().hex
        guard sha == reference.sha256, size == reference.size else {
            throw LedgerError(.tampered, "The stored file \(reference.sha256) was altered: its content no longer has its hash.")
        }
    }
}
