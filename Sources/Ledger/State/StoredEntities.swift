import Foundation
import GRDB
import GRDBSQLite

/// The entities of the state table as an approval reads them: every entity's fields digest up
/// front (a million of them load in a fraction of a second), and an entity's fields only when a
/// record does not repeat them exactly. Loading every field took seven seconds and a gigabyte
/// for a 70 MB file, most of which then compared equal.
struct StoredEntities {
    private let db: Database
    private var digests: [Int64: Int64] = [:]

    init(in db: Database) throws {
        self.db = db
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_digests") ?? 0
        digests.reserveCapacity(count)
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
            digests[sqlite3_column_int64(sqlite, 0)] = sqlite3_column_int64(sqlite, 1)
        }
    }

    var isEmpty: Bool { digests.isEmpty }

    /// The digest of the stored entity's fields; nil when there is no such entity.
    func digest(_ kind: EntityKind, _ key: String) -> Int64? { digests[StableHash.entity(kind, key)] }

    func fields(_ kind: EntityKind, _ key: String) throws -> [String: String]? {
        guard digest(kind, key) != nil else { return nil }
        let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT fields FROM state WHERE kind = ? AND key = ?"), arguments: [kind.rawValue, key])
        return try data.map(FieldsCodec.decode)
    }
}
