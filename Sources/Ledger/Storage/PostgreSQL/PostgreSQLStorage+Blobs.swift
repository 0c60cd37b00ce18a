import Foundation

/// Blobs in the database, so that any server serves any download (docs/decisions/0025).
extension PostgreSQLStorage: SharedBlobs {
    /// A row holds at most this much of a blob: no row holds a large file whole, and a read
    /// streams.
    static let blobChunkSize = 1 << 20

    var sharedBlobs: (any SharedBlobs)? { self }

    func storeBlob(_ pieces: ((Data) throws -> Void) throws -> BlobReference) throws -> BlobReference {
        /// Thrown to roll the chunks back when the same bytes are stored already.
        struct StoredAlready: Error { var reference: BlobReference }
        do {
            return try write { connection in
                // Copied in as they come, under a key of their own: the hash is known at the end.
                let key = UUID().lowercasedString
                var stored: BlobReference?
                try connection.binaryCopy(into: "blob_chunks", columns: ["blob", "chunk", "data"]) { writer in
                    var pending = Data()
                    var chunk: Int32 = 0
                    func writeChunk(_ bytes: Data) throws {
                        writer.writeText(key)
                        writer.writeInteger(chunk)
                        bytes.withUnsafeBytes { writer.writeBytes($0) }
                        try writer.endRow()
                        chunk += 1
                    }
                    stored = try pieces { piece in
                        pending.append(piece)
                        while pending.count >= Self.blobChunkSize {
                            try writeChunk(pending.prefix(Self.blobChunkSize))
                            pending.removeFirst(Self.blobChunkSize)
                        }
                    }
                    if !pending.isEmpty { try writeChunk(pending) }
                }
                guard let reference = stored else { preconditionFailure("The copy of a blob ended without its bytes.") }
                // The same bytes stored by two servers at once: the second waits for the first
                // to commit, then finds them stored.
                try connection.lockForTransaction(advisoryKey: Self.blobLock(reference))
                guard try !Self.isStored(reference, on: connection) else { throw StoredAlready(reference: reference) }
                try connection.execute(
                    "INSERT INTO blobs (sha256, size, chunks) VALUES ($1, $2, $3)", [.text(reference.sha256), .integer(Int64(reference.size)), .text(key)])
                return reference
            }
        } catch let stored as StoredAlready {
            return stored.reference
        }
    }

    func hasBlob(_ reference: BlobReference) throws -> Bool {
        try read { connection in try Self.isStored(reference, on: connection) }
    }

    private static func isStored(_ reference: BlobReference, on connection: PostgreSQLConnection) throws -> Bool {
        try !connection.execute("SELECT 1 FROM blobs WHERE sha256 = $1", [.text(reference.sha256)]).isEmpty
    }

    func readBlob(_ reference: BlobReference, _ body: (Data) throws -> Void) throws {
        try read { connection in
            guard let chunks = try connection.execute("SELECT chunks FROM blobs WHERE sha256 = $1", [.text(reference.sha256)]).first?.value(0, as: String.self) else {
                throw LedgerError(.notFound, "The stored file \(reference.sha256) is not in the ledger's database.")
            }
            // A few chunks at a time, so that a large file is never in memory whole.
            try connection.transaction {
                try connection.forEachRow("SELECT data FROM blob_chunks WHERE blob = $1 ORDER BY chunk", [.text(chunks)], batch: 4) { row in
                    try body(row.data(0))
                }
            }
        }
    }

    /// The advisory lock of storing one blob: its hash's first 64 bits.
    static func blobLock(_ reference: BlobReference) -> Int64 {
        Int64(bitPattern: UInt64(reference.sha256.prefix(16), radix: 16) ?? 0)
    }
}
