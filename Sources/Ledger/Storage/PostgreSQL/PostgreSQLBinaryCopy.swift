import Foundation

/// Writes the rows of a `COPY … FROM STDIN (FORMAT binary)` field by field, and sends them in
/// parts as they fill: a `bytea` goes as its bytes, where the text format doubles it into hex
/// that both sides then encode and decode (a first 70 MB approval copies half a gigabyte of it).
/// Each field must have the column's type exactly: `bigint` 8 bytes, `integer` 4, `uuid` 16.
struct PostgreSQLBinaryCopyWriter {
    /// Where the rows go as they fill; none for rows held until `sendHeldRows`.
    private unowned(unsafe) let connection: PostgreSQLConnection?
    private(set) var statement: String
    private var buffer = [UInt8]()
    /// Where the row being written starts: its field count is written there when it ends.
    private var rowStart = 0
    private var fieldsInRow: Int16 = 0
    private(set) var rowCount = 0

    private static let partSize = 256 * 1024
    private static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

    init(connection: PostgreSQLConnection, statement: String) {
        self.connection = connection
        self.statement = statement
        buffer.reserveCapacity(Self.partSize + 64 * 1024)
        buffer += Self.header
        startRow()
    }

    /// Rows held in memory, for a copy that cannot begin yet (another is under way on the
    /// connection); `PostgreSQLConnection.sendHeldRows` sends them.
    init(holdingRows: Bool) {
        connection = nil
        statement = ""
        buffer += Self.header
        startRow()
    }

    private mutating func startRow() {
        rowStart = buffer.count
        buffer += [0, 0]
        fieldsInRow = 0
    }

    private mutating func append<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private mutating func field(length: Int) {
        fieldsInRow += 1
        append(Int32(length))
    }

    mutating func writeText(_ bytes: UnsafeRawBufferPointer) {
        field(length: bytes.count)
        buffer.append(contentsOf: bytes)
    }

    mutating func writeText(_ text: String) {
        var text = text
        text.withUTF8 { writeText(UnsafeRawBufferPointer($0)) }
    }

    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) { writeText(bytes) }

    /// A `bigint`.
    mutating func writeBigInt(_ value: Int64) {
        field(length: 8)
        append(value)
    }

    /// An `integer`.
    mutating func writeInteger(_ value: Int32) {
        field(length: 4)
        append(value)
    }

    mutating func writeBoolean(_ value: Bool) {
        field(length: 1)
        buffer.append(value ? 1 : 0)
    }

    mutating func writeUUID(_ value: UUID) {
        field(length: 16)
        withUnsafeBytes(of: value.uuid) { buffer.append(contentsOf: $0) }
    }

    mutating func writeNull() {
        fieldsInRow += 1
        append(Int32(-1))
    }

    /// Ends the row: its field count goes where it started.
    mutating func endRow() throws {
        withUnsafeBytes(of: fieldsInRow.bigEndian) { count in
            buffer[rowStart] = count[0]
            buffer[rowStart + 1] = count[1]
        }
        rowCount += 1
        if connection != nil, buffer.count >= Self.partSize {
            try send()
            buffer.removeAll(keepingCapacity: true)
        }
        startRow()
    }

    /// Sends the rows written and the format's trailer (-1 where the next row's count would be).
    mutating func finish() throws {
        buffer[rowStart] = 0xFF
        buffer[rowStart + 1] = 0xFF
        try send()
        buffer.removeAll()
    }

    private func send() throws {
        guard let connection else { return }
        try buffer.withUnsafeBufferPointer { try connection.putCopyData($0, statement: statement) }
    }

    /// The held rows and the trailer, sent through `connection`.
    fileprivate mutating func send(through connection: PostgreSQLConnection, statement: String) throws {
        self.statement = statement
        buffer[rowStart] = 0xFF
        buffer[rowStart + 1] = 0xFF
        try buffer.withUnsafeBufferPointer { try connection.putCopyData($0, statement: statement) }
        buffer.removeAll()
    }
}

extension PostgreSQLConnection {
    /// Runs `COPY table (columns) FROM STDIN (FORMAT binary)` with the rows `body` writes, sent as
    /// they are written; returns how many rows the server took. When `body` throws, nothing of
    /// the copy is kept.
    @discardableResult
    func binaryCopy(into table: String, columns: [String], _ body: (inout PostgreSQLBinaryCopyWriter) throws -> Void) throws -> Int {
        var writer = try beginBinaryCopy(into: table, columns: columns)
        return try endCopy(statement: writer.statement, rowCount: 0) {
            try body(&writer)
            try writer.finish()
        }
    }

    /// Starts a binary COPY for rows written as they come, across calls; nothing else may run on
    /// the connection until `endBinaryCopy`.
    func beginBinaryCopy(into table: String, columns: [String]) throws -> PostgreSQLBinaryCopyWriter {
        let sql = Self.binaryCopy(into: table, columns: columns)
        try startCopy(sql)
        return PostgreSQLBinaryCopyWriter(connection: self, statement: sql)
    }

    private static func binaryCopy(into table: String, columns: [String]) -> String {
        "COPY \(quotedName(table)) (\(columns.map(quotedIdentifier).joined(separator: ", "))) FROM STDIN (FORMAT binary)"
    }

    /// Copies rows a writer held (`init(holdingRows:)`) into `table`.
    @discardableResult
    func sendHeldRows(_ writer: inout PostgreSQLBinaryCopyWriter, into table: String, columns: [String]) throws -> Int {
        let sql = Self.binaryCopy(into: table, columns: columns)
        try startCopy(sql)
        return try endCopy(statement: sql, rowCount: writer.rowCount) { try writer.send(through: self, statement: sql) }
    }

    @discardableResult
    func endBinaryCopy(_ writer: inout PostgreSQLBinaryCopyWriter) throws -> Int {
        try endCopy(statement: writer.statement, rowCount: writer.rowCount) { try writer.finish() }
    }
}
