import DataExchange
import Foundation
import GRDB
import Testing

@testable import Ledger

/// An approval recognises a record that repeats an entity by a digest made from the cells' bytes;
/// it must be the digest of the fields the record gives, as the state stores them.
@Suite struct RecordDigestTests {
    struct Checker: ScanObserver {
        var calculator = ChangeCalculator(stored: nil, importID: UUID(), firstPosition: 1)
        var compared = 0
        var mismatches: [String] = []

        mutating func scanner(found exception: ScanException) throws {}
        mutating func scanner(readHeader header: Header) throws { calculator.read(header) }
        mutating func scanner(scanned record: ScannedRecord) throws {
            let identity = RecordIdentity(record)
            for kind in EntityKind.allCases {
                let values = calculator.values(of: kind, in: record, identity: identity)
                let expected = StableHash.fields(values.map { (key: $0.0, value: $0.1) })
                if calculator.digester.digest(of: kind, in: record, identity: identity) != expected { mismatches.append("record \(record.number) \(kind)") }
                compared += 1
            }
        }
    }

    func check(_ text: [UInt8]) throws -> Checker {
        var checker = Checker()
        _ = try Scanner(specification: try Specification.bundled()).scan(MemoryByteSource(text), name: "f.csv", observer: &checker)
        return checker
    }

    static let header = ImportLifecycleTests.header + ",Location_Address_Line2,Endpoint_SN,Endpoint_Type"

    @Test func theDigestOfTheCellsIsTheDigestOfTheFields() throws {
        let text = ([Self.header] + ApprovalTests.first + [
            "A4,L4,001,w,M4,Neptune,\"T-10, \"\"big\"\"\",1,in,n,gal,1,2020-01-15,Zoë's,E4,m",
            "A5,L5,001,W,M5,Neptune,T-10,1,IN,N,GAL,1,2020-01-15,_CLEAR_,,",
        ]).joined(separator: "\n") + "\n"
        let utf8 = try check(Array(text.utf8))
        #expect(utf8.compared > 30 && utf8.mismatches.isEmpty, "\(utf8.mismatches)")
        // A file in Windows-1252 (0xEB is ë there) goes through the decoded text.
        var cp1252 = Array(text.utf8).filter { $0 < 0x80 }
        cp1252 += [0x41, 0x37, 0x2C, 0x4C, 0x37, 0x2C, 0x30, 0x30, 0x31, 0x2C, 0x57, 0x2C, 0x4D, 0x37, 0x2C, 0x2C, 0x2C, 0x31, 0x2C, 0x2C, 0x2C, 0x2C, 0x2C, 0x2C, 0x5A, 0xEB, 0x2C, 0x2C, 0x0A]
        let latin = try check(cp1252)
        #expect(latin.compared > 30 && latin.mismatches.isEmpty, "\(latin.mismatches)")
    }
}

@Suite struct DigestTableTests {
    @Test func itFindsWhatWasPutAndNothingElseAsItGrows() {
        var table = DigestTable(capacity: 3)
        var expected: [Int64: Int64] = [:]
        var random = SystemRandomNumberGenerator()
        for index in 0..<20_000 {
            let key: Int64 = index == 7 ? 0 : Int64.random(in: .min ... .max, using: &random)
            let value = Int64(index)
            table.insert(key, value)
            expected[key] = value
        }
        table.insert(0, -1)
        expected[0] = -1
        #expect(table.count == expected.count)
        #expect(expected.allSatisfy { table[$0.key] == $0.value })
        #expect((0..<1_000).allSatisfy { _ in
            let key = Int64.random(in: .min ... .max, using: &random)
            return table[key] == expected[key]
        })
        #expect(DigestTable(capacity: 0)[42] == nil && DigestTable(capacity: 0).isEmpty)
    }
}

@Suite struct BulkStatementTests {
    @Test func emptyValuesAreNotNullAndAConstraintIsADatabaseConstraintError() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB NOT NULL, note TEXT)")
            let insert = try BulkStatement(db, sql: "INSERT INTO t (id, name, data, note) VALUES (?, ?, ?, ?)")
            try insert.run(.integer(1), .text(""), .blob(Data()), .null)
            try insert.run(.integer(2), .text("Zoë"), .blob(Data([0, 1])), .text("n"))
            let rows = try Row.fetchAll(db, sql: "SELECT name, hex(data) AS data, note FROM t ORDER BY id")
            #expect(rows.map { $0["name"] as String } == ["", "Zoë"])
            #expect(rows.map { $0["data"] as String } == ["", "0001"])
            #expect(rows.map { $0["note"] as String? } == [nil, "n"])
            let error = try #require(throws: DatabaseError.self) { try insert.run(.integer(1), .text("again"), .blob(Data()), .null) }
            #expect(error.resultCode == .SQLITE_CONSTRAINT)
            // The statement is usable again after a failure.
            try insert.run(.integer(3), .text("after"), .blob(Data([9])), .null)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 3)
        }
    }

    @Test func aBulkInsertWritesEveryRowInFullStepsAndOneByOneAfterAndUpsertsWithTheRowsValues() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB NOT NULL, note TEXT)")
            try db.execute(sql: "INSERT INTO t VALUES (2, 'old', x'00', 'kept')")
            var insert = try BulkInsert(
                db, "INSERT INTO t (id, name, data)", columns: 3, "ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data",
                rowsPerStep: 4)
            // Borrowed bytes, valid until the flush: 10 rows are two full steps and two rows.
            let names = (1...10).map { "name \($0)" }.joined(separator: ",")
            var buffer = Array(names.utf8)
            try buffer.withUnsafeMutableBytes { bytes in
                var start = 0
                for id in 1...10 {
                    let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
                    let name = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                    try insert.add([.integer(Int64(id)), .borrowedText(name), id == 3 ? .borrowedBlob(UnsafeRawBufferPointer(start: nil, count: 0)) : .borrowedBlob(name)])
                    start = end + 1
                }
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 8, "Two full steps are written as they fill.")
                try insert.flush()
            }
            let rows = try Row.fetchAll(db, sql: "SELECT id, name, CAST(data AS TEXT) AS data, note FROM t ORDER BY id")
            #expect(rows.map { $0["name"] as String } == (1...10).map { "name \($0)" })
            #expect(rows.map { $0["data"] as String } == (1...10).map { $0 == 3 ? "" : "name \($0)" })
            #expect(rows.map { $0["note"] as String? } == [nil, "kept"] + Array(repeating: nil, count: 8), "An upsert sets only what it names.")
            try insert.flush()
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 10, "A second flush has nothing left to write.")
        }
    }

    @Test func rawRowsReadWhatWasWrittenAndBindTheirArguments() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, kind TEXT)")
            try db.execute(sql: "INSERT INTO t VALUES (1, 'Zoë', 'a'), (2, '', 'a'), (3, NULL, 'b')")
            var read: [String] = []
            try RawRows.forEach(in: db, sql: "SELECT id, name FROM t WHERE kind = ? ORDER BY id", arguments: ["a"]) { row in
                read.append("\(row.integer(0)):\(row.text(1))")
            }
            #expect(read == ["1:Zoë", "2:"])
            #expect(throws: DatabaseError.self) { try RawRows.forEach(in: db, sql: "SELECT nothing FROM t") { _ in } }
        }
    }
}

@Suite struct EntityKindTests {
    @Test func theOrderOfAKindIsItsPlaceAmongAllKinds() {
        #expect(EntityKind.allCases.map(\.order) == Array(EntityKind.allCases.indices))
    }

    @Test func entitiesAreInKeyOrderAsSQLiteComparesTheKeysAndTiesInTheOrderAsked() throws {
        // Keys that share their first eight bytes, a key that is another's beginning, bytes
        // above ASCII (which sort after "z", as SQLite compares them), and kinds by their names.
        let entries: [(kind: EntityKind, key: String, value: Int)] = [
            (.register, "NE25809806:2", 0), (.account, "zed", 1), (.register, "NE25809806", 2), (.account, "Émile", 3),
            (.register, "NE25809806:1", 4), (.account, "", 5), (.location, "L1", 6), (.register, "NE25809806:1", 7),
            (.account, "10", 8), (.account, "9", 9), (.register, "NE258098", 10), (.register, "NE25809806:1", 11),
        ]
        let sorted = EntityKind.sortedByKey(entries, by: >)
        #expect(sorted.map(\.value) == [5, 8, 9, 1, 3, 6, 10, 2, 11, 7, 4, 0])
        let queue = try DatabaseQueue()
        let sqliteOrder = try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (kind TEXT, key TEXT, value INTEGER)")
            for entry in entries { try db.execute(sql: "INSERT INTO t VALUES (?, ?, ?)", arguments: [entry.kind.rawValue, entry.key, entry.value]) }
            return try Int.fetchAll(db, sql: "SELECT value FROM t ORDER BY kind, key, value DESC")
        }
        #expect(sorted.map(\.value) == sqliteOrder)
    }

    @Test func aRegistersKeyReadsBackAsItsMeterAndRegister() {
        for (key, meter, register) in [
            ("M1", "M1", ""), ("M1:L", "M1", "L"), ("M1:H", "M1", "H"), ("M1:0", "M1", "L"), ("M1:h", "M1", "H"),
            // A colon in a meter's own ID, with or without a register after it.
            ("AB:12", "AB:12", ""), ("AB:12:L", "AB:12", "L"),
        ] {
            let parsed = RegisterKey(key: key)
            #expect(parsed.meter == meter && parsed.register == register, "\(key)")
        }
        #expect(RegisterKey(key: RegisterKey(meter: "M1", register: "2").description) == RegisterKey(meter: "M1", register: "H"))
    }

    @Test func anEndpointLinksToTheRegisterItNamesHoweverTheFileWroteItsNumber() {
        let link = HistoryProjection.Link.all.first { $0.from == .endpoint }!
        func endpoint(_ number: String?) -> EntityChange {
            var fields = ["Meter_ID": FieldChange(old: nil, new: "M1")]
            fields["Register_Number"] = number.map { FieldChange(old: nil, new: $0) }
            return EntityChange(kind: .endpoint, key: "E1", created: true, fields: fields)
        }
        #expect(link.links(endpoint("0"), to: "M1:L") && link.links(endpoint("L"), to: "M1:L"))
        #expect(!link.links(endpoint("2"), to: "M1:L") && link.links(endpoint("2"), to: "M1:H"))
        #expect(link.links(endpoint(nil), to: "M1:L") && link.links(endpoint("0"), to: "M1"))
        #expect(!link.links(endpoint("0"), to: "M2:L"))
    }

    @Test func relationsAreNamedAndValuedInTheSameOrder() throws {
        #expect(EntityKind.register.relationNames == ["Location_ID", "Service_Point_ID"])
        #expect(EntityKind.endpoint.relationNames == ["Meter_ID", "Register_Number"])
        #expect(EntityKind.account.relationNames.isEmpty)
    }
}
