import Testing

@testable import Ledger

/// Work in two stages on two cores: batches come back in the order they went in, each prepared
/// from where the one before it ended.
@Suite struct StagesTests {
    @Test func batchesComeBackInOrderEachGoingOnFromTheOneBefore() {
        // A running total carried from batch to batch, as an approval's hash chain is.
        var stages = Stages<[Int], [Int], Int>(from: 100)
        var consumed: [(batch: [Int], prepared: [Int], end: Int)] = []
        for batch in [[1, 2], [3], [], [4, 5, 6]] {
            if let done = stages.submit(batch, prepare: { batch, total in
                var total = total
                return (batch.map { total += $0; return total }, total)
            }) { consumed.append(done) }
        }
        if let done = stages.finish() { consumed.append(done) }
        #expect(stages.finish() == nil)
        #expect(consumed.map(\.batch) == [[1, 2], [3], [], [4, 5, 6]])
        #expect(consumed.map(\.prepared) == [[101, 103], [106], [], [110, 115, 121]])
        #expect(consumed.map(\.end) == [103, 106, 106, 121])
    }

    @Test func aPipelineConsumesEveryChunkPreparedInOrder() throws {
        var consumed: [String] = []
        try Pipeline.run(chunksOf: Array(0..<10), size: 3, prepare: { $0.map(String.init) }) { consumed += $0 }
        #expect(consumed == (0..<10).map(String.init))
    }
}
