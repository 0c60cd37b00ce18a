import DataExchange
import Foundation
import GRDB
@testable import Ledger
import Testing
import TestSupport

/// The event log, on a real SQLite file and a real PostgreSQL database: what every backend's log
/// must do (docs/decisions/0022).
@Suite struct EventStoreTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases

    init() throws {
        scratch = try TemporaryFolder("ledger-store")
        databases = try ContractDatabases()
    }

    static let metadata = EventMetadata(actor: Actor(name: "Ada", email: "ada@example.com", via: .cli))

    static func event(_ stream: String, _ type: String = "Noted", id: UUID = UUID(), text: String = "x") -> NewEvent {
        NewEvent(id: id, stream: stream, type: type, schemaVersion: 1, data: Data("{\"text\":\"\(text)\"}".utf8), metadata: metadata)
    }

    /// A ledger of this test's own on `backend`.
    func ledger(_ backend: StorageBackend) throws -> Ledger { try databases.ledger(backend, in: scratch.url) }

    /// Runs SQL on the ledger's database behind its back, as someone altering it would.
    func tamper(_ ledger: Ledger, sqlite: String, postgreSQL: String) throws -> Shell.Result {
        switch ledger.location.backend {
        case .sqlite(let path): return try Shell.sqlite(path, sqlite)
        case .postgreSQL(let url):
            do {
                try PostgreSQLConnection(url: url).executeScript(postgreSQL)
                return Shell.Result(status: 0, errors: "")
            } catch let error as PostgreSQLError {
                return Shell.Result(status: 1, errors: error.message)
            }
        }
    }

    @discardableResult
    func append(_ ledger: Ledger, _ events: [NewEvent], expecting: [String: ExpectedVersion]) throws -> [RecordedEvent] {
        try ledger.storage.record(events, expecting: expecting, credential: nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func positionsAndVersionsAreContiguous(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        let first = try append(ledger, [Self.event("a"), Self.event("b"), Self.event("a")], expecting: ["a": .noStream])
        #expect(first.map(\.position) == [1, 2, 3])
        #expect(first.map(\.version) == [1, 1, 2])
        try append(ledger, [Self.event("a")], expecting: ["a": .exactly(2)])
        #expect(try ledger.events(in: "a").map(\.version) == [1, 2, 3])
        #expect(try ledger.storage.events(at: [2, 3, 4]).map(\.position) == [2, 3, 4])
        #expect(try ledger.lastPosition() == 4)
        let reopened = try Ledger(location: ledger.location, localFolder: scratch.appendingPathComponent("again").path)
        #expect(try reopened.lastPosition() == 4)
        #expect(try reopened.events(in: "a").last?.metadata == Self.metadata)
    }

    /// The writer's large page cache is for the large transactions of approvals and replays; a
    /// reader that kept one too would hold its own copy of the file's pages for as long as a
    /// server runs.
    @Test func onlyTheWriterKeepsALargePageCache() throws {
        let store = try SQLiteEventStore(path: scratch.appendingPathComponent("cache.sqlite").path)
        let cacheSize = "SELECT cache_size FROM pragma_cache_size"
        let sqliteDefault = try DatabaseQueue().read { db in try Int.fetchOne(db, sql: cacheSize) }
        #expect(try store.pool.write { db in try Int.fetchOne(db, sql: cacheSize) } == -262_144)
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: cacheSize) } == sqliteDefault)
    }

    @Test(arguments: StorageBackend.allCases)
    func aStaleExpectedVersionFailsAndAppendsNothing(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        try append(ledger, [Self.event("a")], expecting: [:])
        let error = try #require(throws: LedgerError.self) {
            try append(ledger, [Self.event("b"), Self.event("a")], expecting: ["a": .noStream])
        }
        #expect(error.code == .versionConflict)
        #expect(try ledger.lastPosition() == 1)
        #expect(throws: LedgerError.self) { try append(ledger, [Self.event("a")], expecting: ["a": .exactly(5)]) }
    }

    @Test(arguments: StorageBackend.allCases)
    func aRetriedAppendIsNotDoubled(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        let events = [Self.event("a"), Self.event("a")]
        try append(ledger, events, expecting: [:])
        let again = try append(ledger, events, expecting: [:])
        #expect(again.isEmpty)
        #expect(try ledger.lastPosition() == 2)
    }

    @Test(arguments: StorageBackend.allCases)
    func twoLedgersOnOneDatabaseCannotBothWinTheSameVersion(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        let other = try Ledger(location: ledger.location, localFolder: scratch.appendingPathComponent("other").path)
        try append(ledger, [Self.event("import-1")], expecting: ["import-1": .noStream])
        try append(ledger, [Self.event("import-1", "Approved")], expecting: ["import-1": .exactly(1)])
        let error = try #require(throws: LedgerError.self) {
            try append(other, [Self.event("import-1", "Approved")], expecting: ["import-1": .exactly(1)])
        }
        #expect(error.code == .versionConflict)
    }

    @Test(arguments: StorageBackend.allCases)
    func theDatabaseRefusesToChangeOrRemoveEvents(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        try append(ledger, [Self.event("a")], expecting: [:])
        for sql in ["UPDATE events SET type = 'Forged';", "DELETE FROM events;"] {
            let result = try tamper(ledger, sqlite: sql, postgreSQL: sql)
            #expect(result.status != 0)
            #expect(result.errors.contains("events are immutable"))
        }
        #expect(try ledger.verify() == 1)
    }

    @Test(arguments: StorageBackend.allCases)
    func verifyNamesTheFirstAlteredPosition(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        for n in 0..<5 { try append(ledger, [Self.event("s\(n % 2)", text: "event \(n)")], expecting: [:]) }
        #expect(try ledger.verify() == 5)
        let forge = "UPDATE events SET data = CAST('{\"text\":\"forged\"}' AS \(backend == .sqlite ? "BLOB" : "BYTEA")) WHERE position = 3;"
        #expect(try tamper(
            ledger, sqlite: "DROP TRIGGER events_are_immutable_update; " + forge,
            postgreSQL: "DROP TRIGGER events_are_immutable_update ON events; " + forge).status == 0)
        let error = try #require(throws: LedgerError.self) { try ledger.verify() }
        #expect(error.code == .tampered)
        #expect(error.message.contains("position 3"))
    }

    @Test(arguments: StorageBackend.allCases)
    func verifyNoticesAMissingTriggerAndARemovedEvent(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        for n in 0..<3 { try append(ledger, [Self.event("s", text: "\(n)")], expecting: [:]) }
        let guardName = backend == .sqlite ? "events_are_immutable_delete" : "events_are_immutable_update"
        #expect(try tamper(ledger, sqlite: "DROP TRIGGER \(guardName);", postgreSQL: "DROP TRIGGER \(guardName) ON events;").status == 0)
        let missing = try #require(throws: LedgerError.self) { try ledger.verify() }
        #expect(missing.message.contains(guardName))
        let remove = "DELETE FROM events WHERE position = 2;"
        #expect(try tamper(ledger, sqlite: remove, postgreSQL: remove).status == 0)
        let removed = try #require(throws: LedgerError.self) { try ledger.verify() }
        #expect(removed.message.contains("from position 1 to 3"))
    }
}

/// The sqlite3 shell, as someone altering the file behind the ledger's back would use it.
enum Shell {
    struct Result {
        var status: Int32
        var errors: String
    }

    static func sqlite(_ path: String, _ sql: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, sql]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, errors: text)
    }
}

extension EventStoreTests {
    @Test(arguments: StorageBackend.allCases)
    func recordedTimesReadBackToTheMillisecond(backend: StorageBackend) throws {
        let ledger = try ledger(backend)
        let recorded = try #require(try append(ledger, [Self.event("t")], expecting: [:]).first)
        let read = try #require(try ledger.events(in: "t").first)
        #expect(read.recordedAt == recorded.recordedAt)
        #expect(abs(read.recordedAt.timeIntervalSinceNow) < 60)
    }
}

@Suite struct FieldsCodecTests {
    @Test(arguments: [[:], ["Meter_Size": "0.625"], ["Name": "José Müller, \"the\" 🚰", "Empty": "", "Note": "two\nlines\u{1F}"]])
    func fieldsComeBackAsTheyWent(_ fields: [String: String]) throws {
        #expect(try FieldsCodec.decode(Data(FieldsCodec.encode(fields))) == fields)
    }

    @Test func aCutRecordIsAnErrorNotACrash() {
        let data = Data(FieldsCodec.encode(["Meter_Size": "0.625", "Not_A_Known_Column": "x"]))
        // Cut anywhere inside the last field (stored whole: 0, its name's length and name, its value's length and value).
        for cut in 1..<(1 + 1 + 18 + 1 + 1) {
            #expect(throws: LedgerError.self) { try FieldsCodec.decode(data.dropLast(cut)) }
        }
        // A field number that no version of the list had.
        #expect(throws: LedgerError.self) { try FieldsCodec.decode(Data([0xFE, 0x7F, 0x01, 0x41])) }
    }

    /// A field's number is in every row written since: the list only grows, and every column of
    /// the bundled specification has one.
    @Test func fieldNumbersAreAppendOnlyAndCoverTheSpecification() throws {
        var digest = StableHash()
        for name in FieldNames.known.prefix(96) { digest.combine(name) }
        #expect(FieldNames.known.count >= 96 && FieldNames.known[0] == "Account_ID")
        #expect(digest.value == 0x459a_2201_6444_1a77, "the first 96 field names changed: rows written with their numbers would read wrong")
        let unnumbered = try Specification.bundled().columns.map(\.name).filter { FieldNames.numbers[$0] == nil }
        #expect(unnumbered.isEmpty, "append these to FieldNames.known: \(unnumbered)")
    }

    /// Rows written before names were stored by number: each name and value a 32-bit length and its bytes.
    @Test func theFirstFormatIsStillRead() throws {
        var data = Data()
        for text in ["Meter_Size", "0.625", "Note", ""] {
            withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: Array(text.utf8))
        }
        #expect(try FieldsCodec.decode(data) == ["Meter_Size": "0.625", "Note": ""])
    }

    /// The state as JSON from stored rows: fields as stored when they are in order, sorted when a
    /// row of the first format is not, every string escaped; the same as from a state in memory.
    @Test func theStateAsJSONIsTheSameFromStoredRowsAndFromMemory() throws {
        var firstFormat: [UInt8] = []
        for text in ["Note", "a \"quoted\"\nline\u{1}", "Meter_Size", "0.625"] {
            withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { firstFormat.append(contentsOf: $0) }
            firstFormat.append(contentsOf: Array(text.utf8))
        }
        let rows: [(EntityKind, String, [UInt8])] = [
            (.account, "A1", FieldsCodec.encode(["Account_Name": "Ada", "Account_Email": "ada@example.com"])),
            (.account, "A2/é", FieldsCodec.encode([:])),
            (.register, "M1", firstFormat),
        ]
        func written(_ add: (inout StateJSON) throws -> Void) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            var json = StateJSON(try OutputFile(path: path))
            try add(&json)
            try json.finish()
            return try String(contentsOfFile: path, encoding: .utf8)
        }
        let stored = try written { json in
            for (kind, key, fields) in rows {
                var key = key
                try key.withUTF8 { key in try fields.withUnsafeBufferPointer { try json.add(kind, key, encoded: $0) } }
            }
        }
        let inMemory = try written { json in for (kind, key, fields) in rows { try json.add(kind, key, try FieldsCodec.decode(Data(fields))) } }
        #expect(stored == inMemory)
        #expect(stored == #"{"Account":{"A1":{"Account_Email":"ada@example.com","Account_Name":"Ada"},"A2/é":{}},"Register":{"M1":{"Meter_Size":"0.625","Note":"a \"quoted\"\nline\u0001"}}}"# + "\n")
        let decoded = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: [String: [String: String]]]
        #expect(decoded?["Register"]?["M1"]?["Note"] == "a \"quoted\"\nline\u{1}")
        #expect(try written { _ in } == "{}\n")
    }
}
