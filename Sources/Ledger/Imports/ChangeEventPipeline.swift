import Foundation

/// An approval's change events: encoded and chained a batch at a time on the other core while
/// this one works out the next records, then inserted here, in order, in the approval's
/// transaction. Encoding and hashing a first import's 166,818 events took a tenth of it.
struct ChangeEventPipeline {
    typealias Insert = (_ events: [RecordedEvent], _ end: LogChain, _ changes: [AppliedRecord]) throws -> Void
    static let batchSize = 2_048

    private let coder: EventCoder
    private var pending: [AppliedRecord] = []
    /// Each batch's events go on from where the batch before ended in the hash chain.
    private var stages: Stages<[AppliedRecord], [RecordedEvent], LogChain>

    init(coder: EventCoder, chain: LogChain) {
        self.coder = coder
        stages = Stages(from: chain)
    }

    mutating func add(_ applied: AppliedRecord, insert: Insert) throws {
        pending.append(applied)
        if pending.count >= Self.batchSize { try submit(insert) }
    }

    /// Inserts what is left. Nothing else may be appended to the log until it returns.
    mutating func finish(_ insert: Insert) throws {
        if !pending.isEmpty { try submit(insert) }
        if let done = stages.finish() { try insert(done.prepared, done.end, done.batch) }
    }

    private mutating func submit(_ insert: Insert) throws {
        let (changes, coder) = (pending, coder)
        pending = []
        let done = stages.submit(changes) { changes, start in
            var chain = start
            let events = changes.map { chain.link(coder.event(writing: $0, as: RecordApplied.self, stream: chain.stream, metadata: chain.metadata)) }
            return (events, chain)
        }
        if let done { try insert(done.prepared, done.end, done.batch) }
    }
}
