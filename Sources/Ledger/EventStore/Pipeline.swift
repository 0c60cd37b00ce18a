import Dispatch

/// Two stages over chunks of work, a chunk apart: `prepare` (pure work, on another thread) makes
/// the next chunk ready while `consume` (on this thread, which may hold a database transaction)
/// takes the one before. On two cores, encoding rows then costs little next to writing them.
enum Pipeline {
    static func run<Item: Sendable, Prepared: Sendable>(
        chunksOf items: [Item], size: Int, prepare: @escaping @Sendable (ArraySlice<Item>) -> [Prepared],
        consume: ([Prepared]) throws -> Void
    ) throws {
        guard !items.isEmpty else { return }
        let chunks = stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
        let next = Handoff<[Prepared]>()
        var current = prepare(chunks[0])
        for chunk in chunks.dropFirst() {
            next.start { prepare(chunk) }
            try consume(current)
            current = next.wait()
        }
        try consume(current)
    }
}

/// One result made on another thread and waited for.
final class Handoff<Value: Sendable>: @unchecked Sendable {
    // Written by the worker before `done` is signalled, read after it is waited for.
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    func start(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async {
            self.value = work()
            self.done.signal()
        }
    }

    func wait() -> Value {
        done.wait()
        defer { value = nil }
        return value!
    }
}
