import Crypto
import Foundation

/// Each event's hash covers its content and the previous event's hash, so changing, removing or
/// inserting an event anywhere breaks every hash after it.
enum HashChain {
    static let genesis = String(repeating: "0", count: 64)

    static func hash(
        previous: String, position: Int64, stream: String, version: Int64, id: UUID, type: String, schemaVersion: Int,
        data: Data, metadata: Data, recordedAt: String
    ) -> String {
        var hasher = SHA256()
        for field in [previous, String(position), stream, String(version), id.uuidString, type, String(schemaVersion), recordedAt] {
            hasher.update(data: Data(field.utf8))
            hasher.update(data: [0x1F])
        }
        hasher.update(data: data)
        hasher.update(data: [0x1F])
        hasher.update(data: metadata)
        return hasher.finalize().hex
    }
}

extension SHA256.Digest {
    /// The digest as 64 lowercase hex digits, as the log and the blob store write it.
    var hex: String { Hex.string(self) }
}
