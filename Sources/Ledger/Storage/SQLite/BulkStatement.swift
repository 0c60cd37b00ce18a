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
        /// UTF-8 text and a blob that SQLite reads where they are, without a copy of its own:
        /// valid until `run` returns, which resets the statement first.
        case borrowedText(UnsafeRawBufferPointer)
        case borrowedBlob(UnsafeRawBufferPointer)
        case null
    }

    private let statement: Statement
    private let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    func run(_ values: Value...) throws { try run(values) }

    func run(_ values: some Collection<Value>) throws {
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
            case .borrowedText(let text):
                // An empty buffer may have no address, which SQLite would take for NULL.
                text.isEmpty ? sqlite3_bind_text(sqlite, position, "", 0, transient)
                    : sqlite3_bind_text(sqlite, position, text.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(text.count), borrowed)
            case .borrowedBlob(let bytes):
                bytes.isEmpty ? sqlite3_bind_zeroblob(sqlite, position, 0) : sqlite3_bind_blob(sqlite, position, bytes.baseAddress, Int32(bytes.count), borrowed)
            case .null: sqlite3_bind_null(sqlite, position)
            }
            guard code == SQLITE_OK else { throw failure(in: db) }
        }
        guard sqlite3_step(sqlite) == SQLITE_DONE else { throw failure(in: db) }
    }
}

/// An INSERT of many rows, bound `rowsPerStep` rows at a time to one statement (`VALUES (…), (…)`):
/// stepping a statement for each of a million rows cost about as much as SQLite storing them.
struct BulkInsert {
    private let many: BulkStatement
    private let one: BulkStatement
    private let columns: Int
    private let rowsPerStep: Int
    private var pending: [BulkStatement.Value] = []

    /// `insert` is the statement up to its values (`INSERT INTO t (a, b)`), `conflict` what
    /// follows them (an `ON CONFLICT` clause, which names the row's values as `excluded`).
    init(_ db: Database, _ insert: String, columns: Int, _ conflict: String = "", rowsPerStep: Int = 512) throws {
        func sql(rows: Int) -> String {
            let row = "(" + repeatElement("?", count: columns).joined(separator: ", ") + ")"
            return "\(insert) VALUES \(repeatElement(row, count: rows).joined(separator: ", ")) \(conflict)"
        }
        many = try BulkStatement(db, sql: sql(rows: rowsPerStep))
        one = try BulkStatement(db, sql: sql(rows: 1))
        (self.columns, self.rowsPerStep) = (columns, rowsPerStep)
        pending.reserveCapacity(columns * rowsPerStep)
    }

    /// Adds a row. What borrowed values point to must stay valid until `flush`.
    mutating func add(_ values: [BulkStatement.Value]) throws {
        precondition(values.count == columns, "A row has a value for each column.")
        pending += values
        if pending.count == columns * rowsPerStep {
            try many.run(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Inserts the rows added since the last full step.
    mutating func flush() throws {
        for start in stride(from: 0, to: pending.count, by: columns) { try one.run(pending[start..<start + columns]) }
        pending.removeAll(keepingCapacity: true)
    }
}

/// SQLite copies what it is given before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
/// SQLite reads what it is given where it is, until the statement is reset.
private let borrowed: sqlite3_destructor_type? = nil

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
