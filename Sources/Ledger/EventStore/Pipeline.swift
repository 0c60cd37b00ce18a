import Dispatch
import Foundation

/// Two stages over chunks of work, a chunk apart: `prepare` (pure work, on another thread) makes
/// the next chunk ready while `consume` (on this thread, which may hold a database transaction)
/// takes the one before. On two cores, encoding rows then costs little next to writing them.
enum Pipeline {
    static func run<Item: Sendable, Prepared: Sendable>(
        chunksOf items: [Item], size: Int, prepare: @escaping @Sendable (ArraySlice<Item>) -> Prepared,
        consume: (Prepared) throws -> Void
    ) throws {
        var stages = Stages<ArraySlice<Item>, Prepared, Void>()
        for start in stride(from: 0, to: items.count, by: size) {
            if let done = stages.submit(items[start..<min(start + size, items.count)], prepare: prepare) { try consume(done.prepared) }
        }
        if let done = stages.finish() { try consume(done.prepared) }
    }
}

/// Batches of work in two stages: each batch is prepared on another thread while this one
/// consumes the batch before it. A batch may be prepared from what the one before it ended with
/// (`Carry`: the log's hash chain for an approval's events, the field names a replay has read),
/// so its preparation starts once that one's is done. Batches come back in order.
struct Stages<Batch: Sendable, Prepared: Sendable, Carry: Sendable> {
    typealias Done = (batch: Batch, prepared: Prepared, end: Carry)
    private var carry: Carry
    private var inFlight: (batch: Batch, prepared: Handoff<(Prepared, Carry)>)?

    init(from carry: Carry) { self.carry = carry }

    /// Starts preparing `batch`; returns the batch before it, prepared, for this thread to consume.
    mutating func submit(_ batch: Batch, prepare: @escaping @Sendable (_ batch: Batch, _ from: Carry) -> (Prepared, Carry)) -> Done? {
        let done = finish()
        let (start, prepared) = (carry, Handoff<(Prepared, Carry)>())
        prepared.start { prepare(batch, start) }
        inFlight = (batch, prepared)
        return done
    }

    /// The last batch submitted, prepared; nil when it was returned already.
    mutating func finish() -> Done? {
        guard let (batch, handoff) = inFlight else { return nil }
        inFlight = nil
        let (prepared, end) = handoff.wait()
        carry = end
        return (batch, prepared, end)
    }
}

extension Stages where Carry == Void {
    init() { self.init(from: ()) }

    /// For batches prepared each on their own.
    mutating func submit(_ batch: Batch, prepare: @escaping @Sendable (_ batch: Batch) -> Prepared) -> Done? {
        submit(batch) { batch, _ in (prepare(batch), ()) }
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

    /// On a thread of its own: the shared pool runs no more blocks at once than the machine has
    /// cores, the waiting thread among them, so two results wanted at once would come one after
    /// the other.
    func startOnThreadOfItsOwn(_ work: @escaping @Sendable () -> Value) {
        Thread {
            self.value = work()
            self.done.signal()
        }.start()
    }

    func wait() -> Value {
        done.wait()
        defer { value = nil }
        return value!
    }
}
