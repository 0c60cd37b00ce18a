/// The rules that read records in file order, after each record's own checks: one kind for each
/// kind of file.
protocol RecordTracker {
    /// Adds to `exceptions` (the record's, from `first`) what the record breaks given the records
    /// before it and the ledger. `digest` is the record's `RecordCells.digest`.
    mutating func track(_ view: BatchView, at index: Int, digest: UInt64, exceptions: inout [ScanException], from first: Int)
    /// What the record's errors block, and whether it is ready to import.
    func outcome(of view: BatchView, at index: Int, exceptions: [ScanException]) -> (blocked: Components, ready: Bool)
}

extension RecordTracker {
    /// The union of what the errors block.
    static func blocked(by exceptions: some Sequence<ScanException>) -> Components {
        exceptions.reduce(into: Components()) {
            if case .components(let components) = $1.blocked { $0.formUnion(components) }
        }
    }
}
