import Foundation

/// The rows a statement returned, copied out of libpq's result in text format, so that they are
/// a plain value and the result is cleared at once.
struct PostgreSQLRows: Sendable, RandomAccessCollection {
    let columns: [String]
    /// Row by row, `columns.count` fields each; `nil` is NULL.
    fileprivate let fields: [String?]
    /// The number of rows an INSERT, UPDATE, DELETE, MERGE, COPY or SELECT touched, where the
    /// server tells it (`PQcmdTuples`).
    let affectedRowCount: Int?

    init(columns: [String], fields: [String?], affectedRowCount: Int?) {
        precondition(columns.isEmpty ? fields.isEmpty : fields.count % columns.count == 0)
        self.columns = columns
        self.fields = fields
        self.affectedRowCount = affectedRowCount
    }

    var startIndex: Int { 0 }
    var endIndex: Int { columns.isEmpty ? 0 : fields.count / columns.count }
    subscript(position: Int) -> PostgreSQLRow { PostgreSQLRow(rows: self, index: position) }

    func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }
}

/// One row of `PostgreSQLRows`: fields by position or by column name, as text or decoded.
struct PostgreSQLRow: Sendable {
    fileprivate let rows: PostgreSQLRows
    let index: Int

    var columns: [String] { rows.columns }

    /// The field as PostgreSQL wrote it in text format; `nil` is NULL.
    subscript(column: Int) -> String? { rows.fields[index * rows.columns.count + column] }

    subscript(column: String) -> String? { rows.columnIndex(column).flatMap { self[$0] } }

    /// The field decoded: `try row.value(0, as: Int64.self)`; an optional type reads NULL as `nil`.
    func value<Value: PostgreSQLDecodable>(_ column: Int, as type: Value.Type = Value.self) throws -> Value {
        guard rows.columns.indices.contains(column) else {
            throw PostgreSQLError(.usage, "The result has no column \(column): it has \(rows.columns.count) (\(rows.columns.joined(separator: ", "))).")
        }
        guard let text = self[column] else {
            guard let null = Value.null else {
                throw PostgreSQLError(.usage, "Column \(rows.columns[column]) of row \(index) is NULL, where a \(Value.self) was expected; read it as \(Value.self)? instead.")
            }
            return null
        }
        guard let value = Value(postgreSQLText: text) else {
            throw PostgreSQLError(.usage, "Column \(rows.columns[column]) of row \(index) holds \"\(text.prefix(60))\", which is not a \(Value.self).")
        }
        return value
    }

    func value<Value: PostgreSQLDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        guard let position = rows.columnIndex(column) else {
            throw PostgreSQLError(.usage, "The result has no column \(column): it has \(rows.columns.joined(separator: ", ")).")
        }
        return try value(position, as: type)
    }
}
