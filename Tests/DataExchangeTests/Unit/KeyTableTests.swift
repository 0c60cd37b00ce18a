@testable import DataExchange
import Testing

/// The interning table that follows a file's entities: dense ids, found again by their bytes,
/// through the growth of the table and whatever the keys share.
@Suite struct KeyTableTests {
    static func insert(_ key: String, into table: inout KeyTable) -> KeyTable.ID {
        Array(key.utf8).withUnsafeBufferPointer { table.insert($0) }
    }

    static func id(of key: String, in table: KeyTable) -> KeyTable.ID? {
        Array(key.utf8).withUnsafeBufferPointer { table.id(of: $0) }
    }

    @Test func keysGetDenseIdsInTheOrderTheyCome() {
        var table = KeyTable()
        #expect(Self.insert("M1", into: &table) == 0)
        #expect(Self.insert("M2", into: &table) == 1)
        #expect(Self.insert("M1", into: &table) == 0)
        #expect(Self.insert("", into: &table) == 2)
        #expect(Self.insert("", into: &table) == 2)
        #expect(table.count == 3)
        #expect(table.key(1) == Array("M2".utf8))
        #expect(table.key(2).isEmpty)
    }

    @Test func keysThatShareBytesOrLengthsAreDifferentKeys() {
        var table = KeyTable()
        let keys = ["A", "AB", "ABC", "ABCDEFGH", "ABCDEFGHI", "BA", "A\u{1F}B", "AB\u{1F}", "é", "e"]
        let ids = keys.map { Self.insert($0, into: &table) }
        #expect(ids == keys.indices.map(KeyTable.ID.init))
        for (key, id) in zip(keys, ids) {
            #expect(Self.id(of: key, in: table) == id, "\(key)")
            #expect(table.key(id) == Array(key.utf8))
        }
        #expect(Self.id(of: "ABCD", in: table) == nil)
        #expect(Self.id(of: "", in: table) == nil)
    }

    /// Far past the size it was made for: every key keeps its id as the slots are made again.
    @Test func aTableThatGrowsFindsEveryKeyAgain() {
        var table = KeyTable(capacity: 16, keyLength: 4)
        let keys = (0..<50_000).map { "METER-\($0 * 7_919 % 100_003)" }
        for (index, key) in keys.enumerated() { #expect(Self.insert(key, into: &table) == KeyTable.ID(index)) }
        #expect(table.count == keys.count)
        #expect(keys.indices.allSatisfy { Self.id(of: keys[$0], in: table) == KeyTable.ID($0) })
        #expect(keys.indices.allSatisfy { table.key(KeyTable.ID($0)) == Array(keys[$0].utf8) })
        #expect((0..<1_000).allSatisfy { Self.id(of: "OTHER-\($0)", in: table) == nil })
    }
}
