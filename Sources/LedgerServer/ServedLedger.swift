import Ledger

/// The ledger as routes and middleware reach it. Its calls block (the database and the files
/// beside it), so each runs on a Dispatch thread, never on the few cooperative threads that serve
/// every request; holding this instead of the `Ledger` makes that the only way in.
struct ServedLedger: Sendable {
    private let ledger: Ledger

    init(_ ledger: Ledger) { self.ledger = ledger }

    func run<T: Sendable>(_ call: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        try await offCooperativePool { [ledger] in try call(ledger) }
    }
}
