import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement run for many rows through SQLite's own binding: for the million rows of a
/// first import, GRDB's arguments (an array of values, checked and converted for every row) cost
/// more than the rows.
struct BulkStatement {
    enum Value {
        case integer(Int64)
        case text(String)
        case blob(Data)
        /// A blob already in an array (a new entity's encoded fields), bound without a copy to `Data`.
        case bytes([UInt8])
        case null
    }

    private let statement: Statement
    private let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    func run(_ values: Value...) throws {
        let sqlite = statement.sqliteStatement
        defer {
            sqlite3_reset(sqlite)
            sqlite3_clear_bindings(sqlite)
        }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let code: Int32 = switch value {
            case .integer(let number): sqlite3_bind_int64(sqlite, position, number)
            case .text(let text): bindText(text, at: position, of: sqlite)
            case .blob(let data): bindBlob(data, at: position, of: sqlite)
            case .bytes(let bytes): bindBlob(bytes, at: position, of: sqlite)
            case .null: sqlite3_bind_null(sqlite, position)
            }
            guard code == SQLITE_OK else { throw failure(in: db) }
        }
        guard sqlite3_step(sqlite) == SQLITE_DONE else { throw failure(in: db) }
    }
}

/// SQLite copies what it is given before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

private func bindText(_ text: String, at position: Int32, of statement: OpaquePointer) -> Int32 {
    // An empty buffer may have no address, which SQLite would take for NULL.
    guard !text.isEmpty else { return sqlite3_bind_text(statement, position, "", 0, transient) }
    var text = text
    return text.withUTF8 { sqlite3_bind_text(statement, position, $0.baseAddress, Int32($0.count), transient) }
}

private func bindBlob(_ bytes: some ContiguousBytes, at position: Int32, of statement: OpaquePointer) -> Int32 {
    bytes.withUnsafeBytes { bytes in
        // An empty blob may have no address, which SQLite would take for NULL.
        bytes.isEmpty ? sqlite3_bind_zeroblob(statement, position, 0) : sqlite3_bind_blob(statement, position, bytes.baseAddress, Int32(bytes.count), transient)
    }
}

/// The connection's last error, with its extended code.
private func failure(in db: Database) -> DatabaseError {
    DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(db.sqliteConnection)), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
}

/// Rows read through SQLite's own calls, for the million-row reads of a scan's and an approval's
/// state: GRDB's rows cost more than the few columns they carry.
enum RawRows {
    /// One row of the statement being stepped, valid inside the call that gives it.
    struct Row {
        fileprivate let statement: OpaquePointer

        func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

        /// A text column's UTF-8 bytes (none for NULL).
        func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
            guard let text = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
            return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
        }

        func text(_ column: Int32) -> String { String(decoding: bytes(column), as: UTF8.self) }

        /// A blob column's bytes (none for NULL or empty).
        func blob(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
            guard let blob = sqlite3_column_blob(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
            return UnsafeBufferPointer(start: blob.assumingMemoryBound(to: UInt8.self), count: Int(sqlite3_column_bytes(statement, column)))
        }
    }

    static func forEach(in db: Database, sql: String, arguments: [String] = [], _ body: (Row) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        let sqlite = statement.sqliteStatement
        defer {
            sqlite3_reset(sqlite)
            sqlite3_clear_bindings(sqlite)
        }
        for (index, argument) in arguments.enumerated() {
            guard bindText(argument, at: Int32(index + 1), of: sqlite) == SQLITE_OK else { throw failure(in: db) }
        }
        while true {
            let code = sqlite3_step(sqlite)
            guard code == SQLITE_ROW else {
                guard code == SQLITE_DONE else { throw failure(in: db) }
                return
            }
            try body(Row(statement: sqlite))
        }
    }
}
