@testable import DataExchange
import Foundation
import GRDB
import Testing

@testable import Ledger

/// The stored digests, as pages of entity hashes: what is written is what loads, and the pages
/// are the same bytes however the digests came to be (a replay writes them at once).
@Suite struct DigestPagesTests {
    func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE \(DigestPages.table) (bucket INTEGER PRIMARY KEY, pairs BLOB NOT NULL)") }
        return queue
    }

    func pages(_ queue: DatabaseQueue) throws -> [Row] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT bucket, pairs FROM \(DigestPages.table) ORDER BY bucket") }
    }

    func loaded(_ queue: DatabaseQueue, _ entities: some Sequence<Int64>) throws -> [Int64: Int64] {
        let table = try queue.read { db in try DigestPages.load(from: SQLiteStateTables(db)) }
        return Dictionary(uniqueKeysWithValues: entities.compactMap { entity in table[entity].map { (entity, $0) } })
    }

    @Test func writtenInStepsOrAtOnceTheDigestsAndTheirPagesAreTheSame() throws {
        // Seeded: a failure comes back the same on the next run.
        var generator = SampleRandom(seed: 20_261_204)
        // Hashes across every bucket, both signs, and the edges of the range.
        let entities = (0..<5_000).map { _ in Int64.random(in: .min ... .max, using: &generator) } + [.min, .max, 0, -1, 1]
        var expected: [Int64: Int64] = [:]
        let stepwise = try database()
        for step in 0..<4 {
            var changes: [Int64: Int64?] = [:]
            for entity in entities.shuffled(using: &generator).prefix(2_000) {
                // Every step adds, changes and removes some.
                let digest: Int64? = Int.random(in: 0..<5, using: &generator) == 0 ? nil : Int64(step * 1_000_000) + entity % 1_000
                changes[entity] = digest
                expected[entity] = digest
            }
            let sorted = changes.map { (entity: $0.key, digest: $0.value) }.sorted { $0.entity < $1.entity }
            try stepwise.write { db in try DigestPages.write(sorted, to: SQLiteStateTables(db)) }
        }
        #expect(try loaded(stepwise, entities) == expected.compactMapValues { $0 })
        let atOnce = try database()
        let live = expected.compactMapValues { $0 }.map { (entity: $0.key, digest: Optional($0.value)) }.sorted { $0.entity < $1.entity }
        try atOnce.write { db in try DigestPages.write(live, to: SQLiteStateTables(db)) }
        #expect(try pages(atOnce) == pages(stepwise))
        #expect(try pages(atOnce).count > 1_000)
    }

    @Test func theLastChangeOfAnEntityHoldsAndAnEmptyBucketGoes() throws {
        let queue = try database()
        try queue.write { db in try DigestPages.write([(entity: 5, digest: 1), (entity: 5, digest: 2), (entity: 7, digest: 3)], to: SQLiteStateTables(db)) }
        #expect(try loaded(queue, [5, 7]) == [5: 2, 7: 3])
        try queue.write { db in try DigestPages.write([(entity: 5, digest: nil), (entity: 7, digest: nil)], to: SQLiteStateTables(db)) }
        #expect(try loaded(queue, [5, 7]).isEmpty)
        #expect(try pages(queue).isEmpty)
    }
}
