/// At most `limit` bodies running at once; the others wait their turn as suspended tasks, holding
/// no thread. What keeps a hundred wrong passwords at once (a quarter second of bcrypt each) from
/// taking every core from the requests that are not sign-ins.
actor ConcurrencyLimit {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        if running < limit {
            running += 1
        } else {
            // The one that finishes hands its place to this one, without counting down.
            await withCheckedContinuation { waiting.append($0) }
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
