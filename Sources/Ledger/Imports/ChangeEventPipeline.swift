import Foundation

/// An approval's change events: encoded and chained a batch at a time on the other core while
/// this one works out the next records, then inserted here, in order, in the approval's
/// transaction. Encoding and hashing a first import's 166,818 events took a tenth of it.
struct ChangeEventPipeline {
    typealias Insert = (_ events: [RecordedEvent], _ end: EventAppender.Chain, _ changes: [RecordApplied]) throws -> Void
    static let batchSize = 2_048

    private let coder: EventCoder
    private var chain: EventAppender.Chain
    private var pending: [RecordApplied] = []
    private var inFlight: (changes: [RecordApplied], linked: Handoff<Result<([RecordedEvent], EventAppender.Chain), any Error>>)?

    init(coder: EventCoder, chain: EventAppender.Chain) {
        self.coder = coder
        self.chain = chain
    }

    mutating func add(_ applied: RecordApplied, insert: Insert) throws {
        pending.append(applied)
        if pending.count >= Self.batchSize { try flush(insert) }
    }

    /// Inserts what is left. Nothing else may be appended to the log until it returns.
    mutating func finish(_ insert: Insert) throws {
        try flush(insert)
        try flush(insert)
    }

    /// Starts the pending batch from where the one in flight ends, then inserts the one in flight.
    private mutating func flush(_ insert: Insert) throws {
        let done = try inFlight.map { ($0.changes, try $0.linked.wait().get()) }
        inFlight = nil
        if let (_, (_, end)) = done { chain = end }
        if !pending.isEmpty {
            let (changes, start, coder) = (pending, chain, coder)
            pending = []
            let linked = Handoff<Result<([RecordedEvent], EventAppender.Chain), any Error>>()
            linked.start {
                Result {
                    var chain = start
                    let events = try changes.map { chain.link(try coder.event($0, stream: chain.stream, metadata: chain.metadata)) }
                    return (events, chain)
                }
            }
            inFlight = (changes, linked)
        }
        if let (changes, (events, end)) = done { try insert(events, end, changes) }
    }
}
