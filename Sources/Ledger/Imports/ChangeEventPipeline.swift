import Foundation

/// An approval's change events: encoded and chained a batch at a time on the other core while
/// this one works out the next records, then inserted here, in order, in the approval's
/// transaction. Encoding and hashing a first import's 166,818 events took a tenth of it.
struct ChangeEventPipeline {
    typealias Insert = (_ events: [RecordedEvent], _ end: EventAppender.Chain, _ changes: [AppliedRecord]) throws -> Void
    static let batchSize = 2_048

    private let coder: EventCoder
    private var chain: EventAppender.Chain
    private var pending: [AppliedRecord] = []
    private var inFlight: (changes: [AppliedRecord], linked: Handoff<([RecordedEvent], EventAppender.Chain)>)?

    init(coder: EventCoder, chain: EventAppender.Chain) {
        self.coder = coder
        self.chain = chain
    }

    mutating func add(_ applied: AppliedRecord, insert: Insert) throws {
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
        let done = inFlight.map { ($0.changes, $0.linked.wait()) }
        inFlight = nil
        if let (_, (_, end)) = done { chain = end }
        if !pending.isEmpty {
            let (changes, start, coder) = (pending, chain, coder)
            pending = []
            let linked = Handoff<([RecordedEvent], EventAppender.Chain)>()
            linked.start {
                var chain = start
                let events = changes.map { chain.link(coder.event(writing: $0, as: RecordApplied.self, stream: chain.stream, metadata: chain.metadata)) }
                return (events, chain)
            }
            inFlight = (changes, linked)
        }
        if let (changes, (events, end)) = done { try insert(events, end, changes) }
    }
}
