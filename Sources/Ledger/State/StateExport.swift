import DataExchange
import Foundation
import GRDB

/// What an export reads of a state: the state in memory (`CurrentState`), or the state table as
/// the export goes (`StoredExportSource`), so that the state as it stands need not be in memory
/// as a million dictionaries to be written.
protocol ExportSource {
    func fields(_ kind: EntityKind, _ key: String) throws -> [String: String]?
    func forEachEndpoint(_ body: (_ serial: String, _ fields: [String: String]) throws -> Void) throws
    /// In the order of their keys, byte by byte.
    func forEachRegister(_ body: (_ key: String, _ fields: [String: String]) throws -> Void) throws
}

enum StateExport {
    /// Writes `source` as a Data Exchange file, a line at a time: one record per register, every
    /// column of the specification in its order. Importing it back changes nothing. Returns how
    /// many records it wrote.
    static func write(_ source: some ExportSource, specification: Specification, to write: (String) throws -> Void) throws -> Int {
        let names = specification.columns.map(\.name)
        try write(CSVFormat.line(names))
        var records = 0
        // A register that endpoints were swapped on is named by each of them (decision 12): its
        // row takes the one in place, whichever order they come in.
        var endpointOf: [String: (serial: String, fields: [String: String])] = [:]
        try source.forEachEndpoint { serial, fields in
            guard let meter = fields["Meter_ID"] else { return }
            let register = RegisterKey(meter: meter, register: fields["Register_Number"] ?? "").description
            if let other = endpointOf[register], !isInPlace((serial, fields), over: other) { return }
            endpointOf[register] = (serial, fields)
        }
        try source.forEachRegister { key, register in
            guard let location = register["Location_ID"], let point = register["Service_Point_ID"] else { return }
            let servicePoint = ServicePointKey(location: location, servicePoint: point).description
            let agreement = try source.fields(.serviceAgreement, servicePoint) ?? [:]
            let registerKey = RegisterKey(key: key)
            var row: [String: String] = ["Meter_ID": registerKey.meter, "Register_Number": registerKey.register, "Location_ID": location, "Service_Point_ID": point]
            let account = agreement["Account_ID"]
            row["Account_ID"] = account
            let parts: [[String: String]?] = [
                register.filter { !["Location_ID", "Service_Point_ID"].contains($0.key) }, try source.fields(.location, location),
                try source.fields(.servicePoint, servicePoint), agreement.filter { $0.key != "Account_ID" },
                try account.flatMap { try source.fields(.account, $0) }, try source.fields(.route, key), try source.fields(.other, key),
            ]
            for part in parts.compactMap({ $0 }) { row.merge(part) { current, _ in current } }
            if let endpoint = endpointOf[key] {
                row["Endpoint_SN"] = endpoint.serial
                row.merge(endpoint.fields.filter { !["Meter_ID", "Register_Number"].contains($0.key) }) { current, _ in current }
            }
            try write(CSVFormat.line(names.map { row[$0] ?? "" }))
            records += 1
        }
        return records
    }

    /// Of two endpoints on one register, whether `endpoint` is the one in place rather than
    /// `other`: one not removed, then the later install date (a date the ledger stores as
    /// YYYY-MM-DD, so in the order of its text), then the serial number, so that the choice is
    /// the same every time.
    static func isInPlace(_ endpoint: (serial: String, fields: [String: String]), over other: (serial: String, fields: [String: String])) -> Bool {
        func order(_ endpoint: (serial: String, fields: [String: String])) -> (Int, String, String) {
            (endpoint.fields["Endpoint_Removal_Date"] == nil ? 1 : 0, endpoint.fields["Endpoint_Install_Date"] ?? "", endpoint.serial)
        }
        return order(endpoint) > order(other)
    }
}

extension CurrentState: ExportSource {
    func forEachEndpoint(_ body: (String, [String: String]) throws -> Void) throws {
        for (serial, fields) in entities[.endpoint] ?? [:] { try body(serial, fields) }
    }

    func forEachRegister(_ body: (String, [String: String]) throws -> Void) throws {
        for (key, fields) in (entities[.register] ?? [:]).sorted(by: { EntityKind.keyPrecedes($0.key, $1.key) }) { try body(key, fields) }
    }

    /// The state as a Data Exchange file (`StateExport.write`), in memory.
    public func dataExchangeFile(specification: Specification) -> (text: String, records: Int) {
        var text = ""
        let records = (try? StateExport.write(self, specification: specification) { text += $0 }) ?? 0
        return (text, records)
    }
}

/// The state table as an export reads it: the registers and endpoints a row at a time, the
/// entities they name kept encoded until a row needs them (a tenth of their decoded size).
struct StoredExportSource: ExportSource {
    private let db: Database
    private var encoded: [EntityKind: [String: Data]] = [:]
    private static let named: [EntityKind] = [.account, .location, .servicePoint, .serviceAgreement, .route, .other]

    init(_ db: Database) throws {
        self.db = db
        for kind in Self.named {
            var entities: [String: Data] = [:]
            try RawRows.forEach(in: db, sql: "SELECT key, fields FROM state WHERE kind = ?", arguments: [kind.rawValue]) { row in
                entities[row.text(0)] = Data(buffer: row.blob(1))
            }
            encoded[kind] = entities
        }
    }

    func fields(_ kind: EntityKind, _ key: String) throws -> [String: String]? {
        try encoded[kind]?[key].map(FieldsCodec.decode)
    }

    func forEachEndpoint(_ body: (String, [String: String]) throws -> Void) throws { try forEach(.endpoint, body) }

    func forEachRegister(_ body: (String, [String: String]) throws -> Void) throws { try forEach(.register, body) }

    private func forEach(_ kind: EntityKind, _ body: (String, [String: String]) throws -> Void) throws {
        try RawRows.forEach(in: db, sql: "SELECT key, fields FROM state WHERE kind = ? ORDER BY key", arguments: [kind.rawValue]) { row in
            try body(row.text(0), try FieldsCodec.decode(Data(buffer: row.blob(1))))
        }
    }
}

/// The state as one JSON object, an entity at a time, in the order of kinds and keys byte by byte
/// (SQLite's order, so that the state as it stands and as of a time are written alike).
struct StateJSON {
    private let output: OutputFile
    private var writer = JSONWriter(capacity: 1 << 17)
    private var kind: EntityKind?
    private var first = true

    init(_ output: OutputFile) { self.output = output }

    mutating func add(_ kind: EntityKind, _ key: String, _ fields: [String: String]) throws {
        var key = key
        try key.withUTF8 { key in
            try add(kind, key) { writer in
                for (index, (name, value)) in fields.sorted(by: { EntityKind.keyPrecedes($0.key, $1.key) }).enumerated() {
                    if index > 0 { writer.raw(",") }
                    writer.string(name)
                    writer.raw(":")
                    writer.string(value)
                }
            }
        }
    }

    /// An entity with its fields as the state table stores them, which are in the order of their
    /// names; fields in another order (none that this build writes) are sorted first.
    mutating func add(_ kind: EntityKind, _ key: UnsafeBufferPointer<UInt8>, encoded: UnsafeBufferPointer<UInt8>) throws {
        var inOrder = true
        var previous: [UInt8] = []
        let whole = FieldsCodec.forEach(in: UnsafeRawBufferPointer(encoded)) { name, _ in
            if inOrder, !previous.isEmpty, !previous.lexicographicallyPrecedes(name) { inOrder = false }
            previous.removeAll(keepingCapacity: true)
            previous.append(contentsOf: name)
        }
        guard whole else { throw LedgerError(.storage, "A stored entity's fields are cut short.") }
        guard inOrder else {
            return try add(kind, String(decoding: key, as: UTF8.self), try FieldsCodec.decode(Data(buffer: encoded)))
        }
        try add(kind, key) { writer in
            var first = true
            FieldsCodec.forEach(in: UnsafeRawBufferPointer(encoded)) { name, value in
                if !first { writer.raw(",") }
                first = false
                writer.string(name)
                writer.raw(":")
                writer.string(value)
            }
        }
    }

    private mutating func add(_ kind: EntityKind, _ key: UnsafeBufferPointer<UInt8>, fields: (inout JSONWriter) -> Void) throws {
        if kind != self.kind {
            writer.raw(self.kind == nil ? "{" : "},")
            writer.string(kind.rawValue)
            writer.raw(":{")
            self.kind = kind
            first = true
        }
        if !first { writer.raw(",") }
        first = false
        writer.string(key)
        writer.raw(":{")
        fields(&writer)
        writer.raw("}")
        if writer.bytes.count >= 1 << 16 { try flush() }
    }

    private mutating func flush() throws {
        try output.write(writer.bytes)
        writer = JSONWriter(capacity: 1 << 17)
    }

    mutating func finish() throws {
        writer.raw(kind == nil ? "{}\n" : "}}\n")
        try flush()
        try output.flush()
    }
}
