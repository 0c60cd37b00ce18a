import Foundation
import Synchronization

/// Reads a file's batches and checks their cells on a thread of its own, a batch or two ahead of
/// the thread that follows the records in file order.
final class ScanWorker: Sendable {
    enum Output: Sendable {
        case batch(RecordBatch, first: Int, results: RecordChecker.Results, bytesRead: Int)
        case end
    }

    private let outputs = Handoff<Output>(capacity: 1)
    private let stopped = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)
    private let failureBox = Mutex<DataExchangeError?>(nil)

    /// Starts reading after `first`, the batch that holds the header (record 0).
    static func start<Source>(reader: BatchReader<Source>, first: RecordBatch, checker: RecordChecker) -> ScanWorker {
        let worker = ScanWorker()
        let thread = Thread {
            var reader = reader
            var next: (batch: RecordBatch, first: Int)? = (first, 1)
            while let (batch, from) = next, !worker.stopped.load(ordering: .relaxed) {
                let results = checker.check(batch, from..<batch.count)
                worker.outputs.send(.batch(batch, first: from, results: results, bytesRead: reader.bytesRead))
                do {
                    next = try reader.next().map { ($0, 0) }
                } catch {
                    worker.failureBox.withLock {
                        $0 = error as? DataExchangeError ?? DataExchangeError(.unreadableFile, "The file cannot be read: \(error).")
                    }
                    next = nil
                }
            }
            worker.outputs.send(.end)
        }
        thread.name = "scan-worker"
        thread.start()
        return worker
    }

    /// The next batch, or `.end` once the file is read.
    func next() -> Output {
        let output = outputs.receive()
        if case .end = output { ended.store(true, ordering: .relaxed) }
        return output
    }

    /// The read error that ended the file early, if any.
    var failure: DataExchangeError? { failureBox.withLock { $0 } }

    /// Stops the worker and waits for it, also when the scan ended early.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        while !ended.load(ordering: .relaxed) { _ = next() }
    }
}
