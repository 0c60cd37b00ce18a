import CLibPQ
import Foundation

/// One connection to PostgreSQL through libpq's blocking API (docs/decisions/0023). Not
/// `Sendable`: one thread uses it at a time, as a `PostgreSQLPool` hands it out. Every call
/// blocks its thread until the server answers, so the server must make them off Swift's
/// cooperative threads.
final class PostgreSQLConnection {
    /// libpq's `PGconn`, finished in `deinit`.
    private let connection: OpaquePointer
    /// Where it is connected, without the password: for messages.
    let target: String

    /// Connects with a URL (`postgres://user@host:port/dbname?sslmode=…`) or a libpq connection
    /// string (`host=… dbname=…`); libpq reads either.
    init(url: String) throws {
        target = PostgreSQLConnectionTarget(url).description
        // Entries before `dbname` are defaults the URL may override; entries after it win:
        // Swift's strings are UTF-8, so the connection must be too.
        let settings = [("connect_timeout", "10"), ("application_name", "ledger"), ("dbname", url), ("client_encoding", "UTF8")]
        let opened = withCStringArray(settings.map(\.0)) { keywords in
            withCStringArray(settings.map(\.1)) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let opened else {
            throw PostgreSQLError(.connection, "Could not connect to PostgreSQL at \(target): libpq ran out of memory.")
        }
        guard PQstatus(opened) == CONNECTION_OK else {
            let said = PostgreSQLConnectionTarget(url).redacting(Self.trimmed(PQerrorMessage(opened)))
            PQfinish(opened)
            throw PostgreSQLError(.connection, "Could not connect to PostgreSQL at \(target): \(said.hasSuffix(".") || said.hasSuffix("?") ? said : said + ".") Check the URL (its host, port, user and database) and that the server runs there.")
        }
        connection = opened
        // libpq prints the server's notices (`DROP … IF EXISTS` that did nothing) to stderr;
        // the ledger has nothing to do with them.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { PQfinish(connection) }

    // MARK: Statements

    /// Runs one statement, with `$1`, `$2`… bound to `parameters` in text format (`nil` is NULL),
    /// and returns its rows.
    @discardableResult
    func execute(_ sql: String, _ parameters: [PostgreSQLValue?] = []) throws -> PostgreSQLRows {
        try settleCopy()
        let result = try withParameters(parameters, of: sql) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try rows(of: result, statement: sql)
    }

    /// Runs several statements separated by semicolons, without parameters (a migration, a
    /// schema); stops at the first that fails. Returns the last one's rows.
    @discardableResult
    func executeScript(_ sql: String) throws -> PostgreSQLRows {
        try settleCopy()
        return try rows(of: PQexec(connection, sql), statement: sql)
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Transactions do not nest.
    func transaction<Value>(_ body: () throws -> Value) throws -> Value {
        guard PQtransactionStatus(connection) == PQTRANS_IDLE else {
            throw PostgreSQLError(.usage, "A transaction was begun inside another on the connection to \(target); PostgreSQL's transactions do not nest.")
        }
        try execute("BEGIN")
        let value: Value
        do {
            value = try body()
        } catch {
            // The body's error is the one to report; a rollback on a broken connection fails too.
            abandonCopy()
            _ = try? execute("ROLLBACK")
            throw error
        }
        do {
            try settleCopy()
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
        if PQtransactionStatus(connection) == PQTRANS_INERROR {
            // COMMIT would answer ROLLBACK without an error, and the caller would believe it saved.
            _ = try? execute("ROLLBACK")
            throw PostgreSQLError(.usage, "The transaction was rolled back: a statement in it failed and its error was caught inside the transaction.")
        }
        try execute("COMMIT")
        return value
    }

    /// Whether the connection is inside a transaction (begun, failed or not).
    var isInTransaction: Bool { PQtransactionStatus(connection) != PQTRANS_IDLE }

    // MARK: COPY

    /// Runs `COPY … FROM STDIN` (text format) and streams the rows `body` writes to the server
    /// as it writes them; returns how many rows the server took. When `body` throws, the copy is
    /// abandoned (nothing of it is kept) and its error rethrown.
    @discardableResult
    func copyIn(_ sql: String, _ body: (inout PostgreSQLCopyWriter) throws -> Void) throws -> Int {
        var writer = try beginCopy(sql)
        do {
            try body(&writer)
        } catch {
            endCopy(abortingWith: "the ledger stopped the copy")
            throw error
        }
        return try endCopy(&writer)
    }

    /// Starts `COPY … FROM STDIN` (text format), for rows written as they come, across calls;
    /// nothing else may run on the connection until `endCopy`.
    func beginCopy(_ sql: String) throws -> PostgreSQLCopyWriter {
        try startCopy(sql)
        return PostgreSQLCopyWriter(connection: self, statement: sql)
    }

    /// Sends `sql`, a `COPY … FROM STDIN`, and checks that the server waits for its rows.
    func startCopy(_ sql: String) throws {
        try settleCopy()
        guard let started = PQexec(connection, sql) else { throw connectionError(statement: sql) }
        defer { PQclear(started) }
        guard PQresultStatus(started) == PGRES_COPY_IN else {
            if PQresultStatus(started) == PGRES_COMMAND_OK || PQresultStatus(started) == PGRES_TUPLES_OK {
                throw PostgreSQLError(.usage, "copyIn(_:_:) takes a COPY … FROM STDIN statement.", statement: sql)
            }
            throw error(of: started, statement: sql)
        }
    }

    /// Sends what `writer` holds and ends its copy; returns how many rows the server took.
    @discardableResult
    func endCopy(_ writer: inout PostgreSQLCopyWriter) throws -> Int {
        try endCopy(statement: writer.statement, rowCount: writer.rowCount) { try writer.flush() }
    }

    /// Sends the last of a copy's data with `sendRest`, then ends the copy; returns how many rows
    /// the server took. When sending fails, the copy is abandoned: the server keeps none of it.
    func endCopy(statement sql: String, rowCount: Int, sendingRest sendRest: () throws -> Void) throws -> Int {
        do {
            try sendRest()
        } catch {
            endCopy(abortingWith: "the ledger stopped the copy")
            throw error
        }
        return try finishCopy(statement: sql, rowCount: rowCount)
    }

    /// Ends a copy whose rows were all sent; returns how many rows the server took.
    func finishCopy(statement sql: String, rowCount: Int) throws -> Int {
        guard PQputCopyEnd(connection, nil) == 1 else { throw connectionError(statement: sql) }
        var copied = 0
        var failure: PostgreSQLError?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                copied = Int(String(cString: PQcmdTuples(result))) ?? rowCount
            } else if failure == nil {
                failure = error(of: result, statement: sql)
            }
        }
        if let failure { throw failure }
        return copied
    }

    /// Copies `rows` into `table` (`name` or `schema.name`), each row's fields in the order of
    /// `columns`.
    @discardableResult
    func copy<Rows: Sequence>(into table: String, columns: [String], rows: Rows) throws -> Int where Rows.Element == [PostgreSQLValue?] {
        let sql = "COPY \(Self.quotedName(table)) (\(columns.map(Self.quotedIdentifier).joined(separator: ", "))) FROM STDIN"
        return try copyIn(sql) { writer in
            for row in rows { try writer.writeRow(row) }
        }
    }

    /// Sends a part of a COPY's data; the writer buffers rows into parts of a few tens of KB.
    func putCopyData(_ bytes: UnsafeBufferPointer<UInt8>, statement: String) throws {
        let sent = bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
        guard sent == 1 else { throw connectionError(statement: statement) }
    }

    /// Ends a COPY in progress, with an error so that the server keeps none of it, and reads
    /// its results so that the connection can take the next statement.
    func endCopy(abortingWith reason: String) {
        _ = PQputCopyEnd(connection, reason)
        while let result = PQgetResult(connection) { PQclear(result) }
    }

    /// `name` as an SQL identifier, quoted: any name, never SQL.
    static func quotedIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `table` or `schema.table`, each part quoted.
    static func quotedName(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { quotedIdentifier(String($0)) }.joined(separator: ".")
    }

    // MARK: A copy left open

    /// A binary copy left open across calls, so that the server takes in its rows while the
    /// caller works out the next ones: an approval's change events, written as its scan goes.
    /// Ended before the next statement on the connection.
    private var lingering: (table: String, columns: [String], writer: PostgreSQLBinaryCopyWriter)?

    /// Writes rows into `table` through the copy left open, beginning one when there is none
    /// (or one into another table, which is ended first).
    func lingeringCopy(into table: String, columns: [String], _ body: (inout PostgreSQLBinaryCopyWriter) throws -> Void) throws {
        if let open = lingering, open.table != table || open.columns != columns { try settleCopy() }
        if lingering == nil { lingering = (table, columns, try beginBinaryCopy(into: table, columns: columns)) }
        do {
            try body(&lingering!.writer)
        } catch {
            abandonCopy()
            throw error
        }
    }

    /// Ends the copy left open, if any: its rows are in the table, or its error is thrown.
    func settleCopy() throws {
        guard var open = lingering else { return }
        lingering = nil
        try endBinaryCopy(&open.writer)
    }

    /// Ends the copy left open so that the server keeps none of it.
    private func abandonCopy() {
        guard lingering != nil else { return }
        lingering = nil
        endCopy(abortingWith: "the ledger stopped the copy")
    }

    // MARK: Reading many rows

    /// Runs `sql` through a cursor and hands each row to `body` in binary form, `batch` rows
    /// fetched at a time: a million rows never sit in memory at once, and `bytea` and numbers
    /// arrive as their bytes, not as text to decode. Inside a transaction only (a cursor lives
    /// in one).
    func forEachRow(_ sql: String, _ parameters: [PostgreSQLValue?] = [], batch: Int = 8_192, _ body: (PostgreSQLRawRow) throws -> Void) throws {
        guard isInTransaction else {
            throw PostgreSQLError(.usage, "A cursor was asked for outside a transaction, where it would not live; read inside transaction { }.", statement: sql)
        }
        cursorCount += 1
        let cursor = "ledger_rows_\(cursorCount)"
        try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", parameters)
        defer { _ = try? execute("CLOSE \(cursor)") }
        let fetch = "FETCH FORWARD \(batch) FROM \(cursor)"
        while true {
            guard let result = PQexecParams(connection, fetch, 0, nil, nil, nil, nil, 1) else { throw connectionError(statement: fetch) }
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_TUPLES_OK else { throw error(of: result, statement: sql) }
            let count = PQntuples(result)
            for row in 0..<count { try body(PostgreSQLRawRow(result: result, row: row)) }
            if count < batch { return }
        }
    }

    private var cursorCount = 0

    /// Runs `sql` and hands each row to `body` in binary form as the server sends it (libpq's
    /// single-row mode): the server reads on while `body` works, where a cursor's server waits
    /// for each next fetch. `body` must not use the connection; when it throws, the query is
    /// cancelled and its rows read to their end.
    func forEachRowAsSent(_ sql: String, _ parameters: [PostgreSQLValue?] = [], _ body: (PostgreSQLRawRow) throws -> Void) throws {
        try settleCopy()
        let sent = try withParameters(parameters, of: sql) { values in
            PQsendQueryParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 1)
        }
        guard sent == 1 else { throw connectionError(statement: sql) }
        PQsetSingleRowMode(connection)
        var failure: (any Error)?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            guard failure == nil else { continue }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                do {
                    try body(PostgreSQLRawRow(result: result, row: 0))
                } catch {
                    failure = error
                    if let cancel = PQgetCancel(connection) {
                        var reason = [CChar](repeating: 0, count: 256)
                        _ = PQcancel(cancel, &reason, Int32(reason.count))
                        PQfreeCancel(cancel)
                    }
                }
            case PGRES_TUPLES_OK: break
            default: failure = error(of: result, statement: sql)
            }
        }
        if let failure { throw failure }
    }

    // MARK: Advisory locks

    /// The lock a key names: the key within the schema the connection's tables are in, so that
    /// ledgers kept in several schemas of one database never wait for each other's locks.
    static let advisoryLock = "hashtextextended(current_schema(), $1::bigint)"

    /// Waits until this transaction holds the advisory lock `key`; the end of the transaction
    /// releases it. Two connections taking the same key run one after the other.
    func lockForTransaction(advisoryKey key: Int64) throws {
        try requireTransaction(for: key)
        try execute("SELECT pg_advisory_xact_lock(\(Self.advisoryLock))", [.integer(key)])
    }

    /// Takes the advisory lock `key` for this transaction if no one holds it, without waiting.
    func tryLockForTransaction(advisoryKey key: Int64) throws -> Bool {
        try requireTransaction(for: key)
        return try execute("SELECT pg_try_advisory_xact_lock(\(Self.advisoryLock))", [.integer(key)])[0].value(0)
    }

    private func requireTransaction(for key: Int64) throws {
        guard PQtransactionStatus(connection) == PQTRANS_INTRANS else {
            throw PostgreSQLError(.usage, "The advisory lock \(key) was asked for outside a transaction, where it would be released at once; take it inside transaction { }.")
        }
    }

    /// Takes the session-level advisory lock `key` if no one holds it, without waiting; it is
    /// held until `unlockAdvisory(key:)` or the connection closes.
    func tryLockAdvisory(key: Int64) throws -> Bool {
        try execute("SELECT pg_try_advisory_lock(\(Self.advisoryLock))", [.integer(key)])[0].value(0)
    }

    /// Releases a session-level advisory lock; `false` when this session did not hold it.
    @discardableResult
    func unlockAdvisory(key: Int64) throws -> Bool {
        try execute("SELECT pg_advisory_unlock(\(Self.advisoryLock))", [.integer(key)])[0].value(0)
    }

    // MARK: Health

    /// Whether the connection can take the next statement: the server has not closed it. A
    /// server writes nothing to an idle connection but to end it (a terminated backend, a
    /// shutdown), so anything to read is taken as the end.
    var isUsable: Bool {
        guard PQstatus(connection) == CONNECTION_OK, !isInTransaction else { return false }
        var socket = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        return poll(&socket, 1, 0) == 0
    }

    // MARK: libpq

    /// The rows of `result`, which this clears, or the error it holds.
    private func rows(of result: OpaquePointer?, statement: String) throws -> PostgreSQLRows {
        guard let result else { throw connectionError(statement: statement) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return Self.copyRows(of: result)
        case PGRES_COPY_IN:
            endCopy(abortingWith: "COPY FROM STDIN goes through copyIn")
            throw PostgreSQLError(.usage, "COPY … FROM STDIN must go through copyIn(_:_:), which sends the rows.", statement: statement)
        case PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PostgreSQLError(.usage, "COPY … TO STDOUT is not supported; read rows with SELECT.", statement: statement)
        default:
            throw error(of: result, statement: statement)
        }
    }

    private static func copyRows(of result: OpaquePointer) -> PostgreSQLRows {
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var fields = [String?]()
        fields.reserveCapacity(Int(rowCount) * Int(columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    fields.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    fields.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        return PostgreSQLRows(columns: columns, fields: fields, affectedRowCount: Int(String(cString: PQcmdTuples(result))))
    }

    /// The error a failed result holds: the server's SQLSTATE and message when it sent them,
    /// else libpq's (a connection that broke).
    func error(of result: OpaquePointer, statement: String) -> PostgreSQLError {
        // The PG_DIAG_ codes are character macros (`'C'`), which Swift does not import.
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        guard let message = field("M") else { return connectionError(statement: statement) }
        let sqlState = field("C").map(PostgreSQLError.SQLState.init(rawValue:))
        let kind: PostgreSQLError.Kind = PQstatus(connection) == CONNECTION_OK ? .statement : .connection
        return PostgreSQLError(kind, message, sqlState: sqlState, detail: field("D"), constraint: field("n"), statement: statement)
    }

    func connectionError(statement: String?) -> PostgreSQLError {
        let said = Self.trimmed(PQerrorMessage(connection))
        let kind: PostgreSQLError.Kind = PQstatus(connection) == CONNECTION_OK ? .statement : .connection
        return PostgreSQLError(kind, "The connection to PostgreSQL at \(target) failed: \(said.isEmpty ? "libpq gave no reason" : said).", statement: statement)
    }

    /// libpq's message on one line: it ends its messages with a newline and puts hints on lines
    /// of their own, indented.
    static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Binds `parameters` as C strings for the length of `body`.
    private func withParameters<Result>(_ parameters: [PostgreSQLValue?], of sql: String, _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result) throws -> Result {
        // All the values in one buffer, each ended by a NUL, and where each starts.
        var buffer = [CChar]()
        var starts = [Int?]()
        starts.reserveCapacity(parameters.count)
        for (position, parameter) in parameters.enumerated() {
            guard let parameter else { starts.append(nil); continue }
            let text = parameter.textFormat
            guard !text.utf8.contains(0) else {
                throw PostgreSQLError(.usage, "Parameter $\(position + 1) holds a NUL character, which PostgreSQL's text cannot hold; send it as .bytes.", statement: sql)
            }
            starts.append(buffer.count)
            buffer.append(contentsOf: text.utf8.map { CChar(bitPattern: $0) })
            buffer.append(0)
        }
        return buffer.withUnsafeBufferPointer { buffer in
            let pointers = starts.map { start in start.map { buffer.baseAddress! + $0 } }
            return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}

/// A row of a binary result, valid inside the call that gives it.
struct PostgreSQLRawRow {
    fileprivate let result: OpaquePointer
    fileprivate let row: Int32

    func isNull(_ column: Int32) -> Bool { PQgetisnull(result, row, column) == 1 }

    /// The field's bytes: a `bytea`'s own, a text's UTF-8 (none for NULL).
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard !isNull(column), let value = PQgetvalue(result, row, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeRawPointer(value).withMemoryRebound(to: UInt8.self, capacity: 1) { UnsafeBufferPointer(start: $0, count: Int(PQgetlength(result, row, column))) }
    }

    func text(_ column: Int32) -> String { String(decoding: bytes(column), as: UTF8.self) }

    func data(_ column: Int32) -> Data { Data(bytes(column)) }

    /// A `bigint`, `integer` or `smallint`, which binary form sends big-endian; 0 for NULL.
    func integer(_ column: Int32) -> Int64 {
        let bytes = bytes(column)
        var value: Int64 = 0
        for byte in bytes { value = value << 8 | Int64(byte) }
        switch bytes.count {
        case 2: return Int64(Int16(truncatingIfNeeded: value))
        case 4: return Int64(Int32(truncatingIfNeeded: value))
        default: return value
        }
    }

    func optionalInteger(_ column: Int32) -> Int64? { isNull(column) ? nil : integer(column) }
}

/// NULL-terminated arrays of C strings, as `PQconnectdbParams` takes them.
private func withCStringArray<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result) -> Result {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
