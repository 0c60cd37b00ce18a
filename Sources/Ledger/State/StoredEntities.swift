import Foundation
import GRDB
import GRDBSQLite

/// The entities of the state table as an approval reads them: every entity's fields digest up
/// front (a million of them load in a fraction of a second), and an entity's fields only when a
/// record does not repeat them exactly. Loading every field took seven seconds and a gigabyte
/// for a 70 MB file, most of which then compared equal.
struct StoredEntities {
    private let db: Database
    private var digests: DigestTable

    init(in db: Database) throws {
        self.db = db
        digests = DigestTable(capacity: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_digests") ?? 0)
        // Stepped by hand: GRDB's rows cost more than the two integers they carry.
        let statement = try db.makeStatement(sql: "SELECT entity, digest FROM state_digests")
        let sqlite = statement.sqliteStatement
        defer { sqlite3_reset(sqlite) }
        while true {
            let code = sqlite3_step(sqlite)
            guard code == SQLITE_ROW else {
                guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
                break
            }
            digests.insert(sqlite3_column_int64(sqlite, 0), sqlite3_column_int64(sqlite, 1))
        }
    }

    var isEmpty: Bool { digests.isEmpty }

    /// The digest of the stored entity's fields; nil when there is no such entity.
    func digest(_ kind: EntityKind, _ key: String) -> Int64? { digest(entity: StableHash.entity(kind, key)) }

    /// By the entity's `StableHash.entity`, for a caller that made it already.
    func digest(entity: Int64) -> Int64? { digests[entity] }

    func fields(_ kind: EntityKind, _ key: String) throws -> [String: String]? {
        guard digest(kind, key) != nil else { return nil }
        let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT fields FROM state WHERE kind = ? AND key = ?"), arguments: [kind.rawValue, key])
        return try data.map(FieldsCodec.decode)
    }
}

/// Digests by entity hash, in one flat open-addressed table: the keys are hashes already, so
/// they need no hashing again, and a look-up is one probe into memory that a million-entry
/// `Dictionary` spread wider. An approval asks it once for every entity of every record.
struct DigestTable {
    private var keys: [Int64]
    private var values: [Int64]
    private var zero: Int64?
    private let shift: UInt64
    private(set) var count = 0

    init(capacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < max(16, capacity * 2) { bits += 1 }
        shift = 64 - bits
        keys = Array(repeating: 0, count: 1 << bits)
        values = Array(repeating: 0, count: 1 << bits)
    }

    var isEmpty: Bool { count == 0 }

    private func slot(_ key: Int64) -> Int { Int((UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    mutating func insert(_ key: Int64, _ value: Int64) {
        guard key != 0 else {
            if zero == nil { count += 1 }
            zero = value
            return
        }
        if count * 2 >= keys.count { grow() }
        var index = slot(key)
        while keys[index] != 0, keys[index] != key { index = (index + 1) & (keys.count - 1) }
        if keys[index] == 0 { count += 1 }
        keys[index] = key
        values[index] = value
    }

    subscript(key: Int64) -> Int64? {
        guard key != 0 else { return zero }
        var index = slot(key)
        while keys[index] != 0 {
            if keys[index] == key { return values[index] }
            index = (index + 1) & (keys.count - 1)
        }
        return nil
    }

    private mutating func grow() {
        var larger = DigestTable(capacity: keys.count)
        for index in keys.indices where keys[index] != 0 { larger.insert(keys[index], values[index]) }
        if let zero { larger.insert(0, zero) }
        self = larger
    }
}
