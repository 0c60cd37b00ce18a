/// Writes the rows of a `COPY … FROM STDIN` in PostgreSQL's text format, escaping what the
/// format gives a meaning to, and sends them in parts as they fill.
struct PostgreSQLCopyWriter {
    private unowned let connection: PostgreSQLConnection
    let statement: String
    private var buffer = [UInt8]()
    /// The rows written so far.
    private(set) var rowCount = 0

    /// Large enough that the calls into libpq cost nothing beside the rows, small enough to
    /// stream.
    private static let partSize = 64 * 1024

    init(connection: PostgreSQLConnection, statement: String) {
        self.connection = connection
        self.statement = statement
        buffer.reserveCapacity(Self.partSize + 4096)
    }

    /// One row: its fields in the order of the COPY's columns; `nil` is NULL.
    mutating func writeRow(_ fields: [PostgreSQLValue?]) throws {
        for (position, field) in fields.enumerated() {
            if position > 0 { buffer.append(UInt8(ascii: "\t")) }
            if let field {
                try appendEscaped(field.textFormat, column: position)
            } else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= Self.partSize { try flush() }
    }

    /// Sends what is buffered.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { try connection.putCopyData($0, statement: statement) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The text format reads a backslash as an escape, a tab as the next field, a newline or a
    /// carriage return as the next row, and `\N` as NULL: each of these is escaped.
    private mutating func appendEscaped(_ text: String, column: Int) throws {
        var text = text
        try text.withUTF8 { bytes in try appendEscaped(UnsafeRawBufferPointer(bytes), column: column) }
    }

    private mutating func appendEscaped(_ bytes: UnsafeRawBufferPointer, column: Int) throws {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
            case 0:
                throw PostgreSQLError(.usage, "Row \(rowCount + 1), field \(column + 1) of the copy holds a NUL character, which PostgreSQL's text cannot hold; send it as .bytes.", statement: statement)
            default: buffer.append(byte)
            }
        }
    }
}
