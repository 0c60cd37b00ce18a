import Dispatch
import Synchronization

/// A bounded queue between two threads: `send` waits while it is full, `receive` while it is
/// empty. It hands batches from the thread that reads and checks a file to the thread that
/// follows it in order, keeping each stage's data on its own core.
final class Handoff<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore

    init(capacity: Int) {
        // Counted up from zero rather than created at `capacity`: libdispatch traps when a
        // semaphore is freed below its initial value, as this one is when items are left in it.
        free = DispatchSemaphore(value: 0)
        for _ in 0..<capacity { free.signal() }
    }

    func send(_ element: sending Element) {
        free.wait()
        items.withLock { $0.append(element) }
        filled.signal()
    }

    func receive() -> Element {
        filled.wait()
        return take()
    }

    /// The next element if one is waiting, without waiting for one.
    func receiveIfReady() -> Element? {
        guard filled.wait(timeout: .now()) == .success else { return nil }
        return take()
    }

    private func take() -> Element {
        let element = items.withLock { $0.removeFirst() }
        free.signal()
        return element
    }
}
