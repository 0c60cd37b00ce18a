import Foundation
import Synchronization

/// Reads a file's batches and checks their cells on a thread of its own, a batch or two ahead of
/// the thread that follows the records in file order. The two threads share the cell checks: the
/// worker checks the first part of each batch, the receiver the rest, and the part moves towards
/// whichever thread waits, so both cores stay busy on any machine.
final class ScanWorker: Sendable {
    enum Output: Sendable {
        /// Records from `first` on; those before `checked` have their cells checked in `results`.
        case batch(RecordBatch, first: Int, checked: Int, results: RecordChecker.Results, bytesRead: Int)
        case end
    }

    /// The worker's part of each batch's cell checks, in thousandths.
    private let share = Atomic<Int>(700)

    private let outputs = Handoff<Output>(capacity: 1)
    private let stopped = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)
    private let failureBox = Mutex<DataExchangeError?>(nil)

    /// Starts reading after `first`, the batch that holds the header (record 0). Without a
    /// checker it only reads ahead, for a caller that checks nothing.
    static func start<Source>(reader: BatchReader<Source>, first: RecordBatch, checker: RecordChecker?) -> ScanWorker {
        let worker = ScanWorker()
        let thread = Thread {
            var reader = reader
            var next: (batch: RecordBatch, first: Int)? = (first, 1)
            while let (batch, from) = next, !worker.stopped.load(ordering: .relaxed) {
                let checked = checker == nil ? from : from + (batch.count - from) * worker.share.load(ordering: .relaxed) / 1000
                let results = checker?.check(batch, from..<checked) ?? RecordChecker.Results()
                worker.outputs.send(.batch(batch, first: from, checked: checked, results: results, bytesRead: reader.bytesRead))
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
        let output: Output
        if let ready = outputs.receiveIfReady() {
            // The worker is ahead: it can take more of the checks.
            output = ready
            share.store(min(1000, share.load(ordering: .relaxed) + 25), ordering: .relaxed)
        } else {
            output = outputs.receive()
            share.store(max(0, share.load(ordering: .relaxed) - 25), ordering: .relaxed)
        }
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
