import Foundation

/// Blobs kept in the database that several servers share (docs/decisions/0025), so that any
/// server serves any download. A `BlobStore` with one keeps its folder as a cache and as the place
/// of its work files; SQLite has none, its folder beside the file is the store.
protocol SharedBlobs: Sendable {
    /// Stores the bytes that `pieces` hands to the function it is given, as they come, under the
    /// reference it returns when it has handed them all, unless a blob with that reference is
    /// stored already (the bytes are then dropped): all of it in one transaction, so that a blob
    /// is in the database whole or not at all. Two servers storing the same bytes at once store
    /// one blob. Returns the reference.
    func storeBlob(_ pieces: (_ put: (Data) throws -> Void) throws -> BlobReference) throws -> BlobReference
    /// Whether a blob with that reference is stored.
    func hasBlob(_ reference: BlobReference) throws -> Bool
    /// Hands `body` the blob's bytes in order, a piece at a time, unchecked: the caller checks
    /// them against `reference`. `LedgerError.notFound` when the database has no such blob.
    func readBlob(_ reference: BlobReference, _ body: (Data) throws -> Void) throws
}
