extension SQLiteStorage {
    /// None: the folder beside the ledger's file is the store of its blobs.
    var sharedBlobs: (any SharedBlobs)? { nil }
}
