import DataExchange
import Foundation

/// What an export reads of a state: the state in memory (`CurrentState`), or the state table as
/// the export goes (`StoredExportSource`), so that the state as it stands need not be in memory
/// as a million dictionaries to be written.
protocol ExportSource {
    func exportFields(_ kind: EntityKind, _ key: String) throws -> EntityFields?
    func forEachEndpoint(_ body: (_ serial: String, _ fields: EntityFields) throws -> Void) throws
    /// In the order of their keys, byte by byte.
    func forEachRegister(_ body: (_ key: String, _ fields: EntityFields) throws -> Void) throws
}

/// An entity's fields as an export or the state as JSON reads them: decoded (the state in
/// memory), or as the state table stores them, read in place: decoding each row's seven entities
/// into dictionaries and merging them took most of an export's seven seconds.
enum EntityFields {
    case decoded([String: String])
    case encoded([UInt8])

    func value(_ name: String) -> String? {
        switch self {
        case .decoded(let fields): fields[name]
        case .encoded(let bytes): FieldsCodec.value(of: name, in: bytes)
        }
    }
}

enum StateExport {
    /// Writes `source` as a Data Exchange file, a line at a time: one record per register, every
    /// column of the specification in its order. Importing it back changes nothing. Returns how
    /// many records it wrote.
    static func write(_ source: some ExportSource, specification: Specification, to write: ([UInt8]) throws -> Void) throws -> Int {
        let columns = Columns(specification.columns.map(\.name))
        try write(Array(CSVFormat.line(columns.names).utf8))
        var records = 0
        // A register that endpoints were swapped on is named by each of them (decision 12): its
        // row takes the one in place, whichever order they come in.
        var endpointOf: [String: (serial: String, fields: EntityFields)] = [:]
        try source.forEachEndpoint { serial, fields in
            guard let meter = fields.value("Meter_ID") else { return }
            let register = RegisterKey(meter: meter, register: fields.value("Register_Number") ?? "").description
            if let other = endpointOf[register], !isInPlace((serial, fields), over: other) { return }
            endpointOf[register] = (serial, fields)
        }
        var record = Record(columns)
        try source.forEachRegister { key, register in
            guard let location = register.value("Location_ID"), let point = register.value("Service_Point_ID") else { return }
            let servicePoint = ServicePointKey(location: location, servicePoint: point).description
            let agreement = try source.exportFields(.serviceAgreement, servicePoint)
            let account = agreement?.value("Account_ID")
            let registerKey = RegisterKey(key: key)
            // The keys first: where an entity's fields name one too, the row's own stays.
            record.start()
            record.set("Meter_ID", registerKey.meter)
            record.set("Register_Number", registerKey.register)
            record.set("Location_ID", location)
            record.set("Service_Point_ID", point)
            record.set("Account_ID", account)
            for part in [
                register, try source.exportFields(.location, location), try source.exportFields(.servicePoint, servicePoint), agreement,
                try account.flatMap { try source.exportFields(.account, $0) }, try source.exportFields(.route, key),
                try source.exportFields(.other, key),
            ] {
                if let part { try record.fill(part) }
            }
            if let endpoint = endpointOf[key] {
                record.set("Endpoint_SN", endpoint.serial)
                try record.fill(endpoint.fields)
            }
            try write(record.line)
            records += 1
        }
        return records
    }

    /// The specification's columns, found by name, or by a stored field's number in `FieldNames`.
    private struct Columns {
        let names: [String]
        let byName: [String: Int]
        let byFieldNumber: [Int?]

        init(_ names: [String]) {
            self.names = names
            let byName = Dictionary(names.enumerated().map { ($1, $0) }) { first, _ in first }
            self.byName = byName
            byFieldNumber = FieldNames.known.map { byName[$0] }
        }
    }

    /// One record as it is put together, a cell per column. The first value a column is given
    /// stays, as a register's own Location_ID stays before its location's.
    private struct Record {
        private let columns: Columns
        private var cells: [String?]
        private var bytes: [UInt8] = []

        init(_ columns: Columns) {
            self.columns = columns
            cells = Array(repeating: nil, count: columns.names.count)
        }

        mutating func start() {
            for index in cells.indices { cells[index] = nil }
        }

        /// Gives a column its value, over any it had.
        mutating func set(_ name: String, _ value: String?) {
            if let column = columns.byName[name], let value { cells[column] = value }
        }

        /// Gives each column that has no value yet the entity's value for it.
        mutating func fill(_ fields: EntityFields) throws {
            switch fields {
            case .decoded(let fields):
                for (name, value) in fields {
                    if let column = columns.byName[name], cells[column] == nil { cells[column] = value }
                }
            case .encoded(let bytes):
                let whole = bytes.withUnsafeBytes { bytes in
                    FieldsCodec.forEach(in: bytes) { number, name, value in
                        let column = number.map { columns.byFieldNumber[$0] } ?? columns.byName[String(decoding: name, as: UTF8.self)]
                        if let column, cells[column] == nil { cells[column] = String(decoding: value, as: UTF8.self) }
                    }
                }
                guard whole else { throw LedgerError(.storage, "A stored entity's fields are cut short.") }
            }
        }

        /// The record as a line of the file; valid until the next record starts.
        var line: [UInt8] {
            mutating get {
                bytes.removeAll(keepingCapacity: true)
                CSVFormat.appendLine(cells.map { $0 ?? "" }, to: &bytes)
                return bytes
            }
        }
    }

    /// Of two endpoints on one register, whether `endpoint` is the one in place rather than
    /// `other`: one not removed, then the later install date (a date the ledger stores as
    /// YYYY-MM-DD, so in the order of its text), then the serial number, so that the choice is
    /// the same every time.
    static func isInPlace(_ endpoint: (serial: String, fields: EntityFields), over other: (serial: String, fields: EntityFields)) -> Bool {
        func order(_ endpoint: (serial: String, fields: EntityFields)) -> (Int, String, String) {
            (endpoint.fields.value("Endpoint_Removal_Date") == nil ? 1 : 0, endpoint.fields.value("Endpoint_Install_Date") ?? "", endpoint.serial)
        }
        return order(endpoint) > order(other)
    }
}

extension CurrentState: ExportSource {
    func exportFields(_ kind: EntityKind, _ key: String) -> EntityFields? { fields(kind, key).map(EntityFields.decoded) }

    func forEachEndpoint(_ body: (String, EntityFields) throws -> Void) throws {
        for (serial, fields) in entities[.endpoint] ?? [:] { try body(serial, .decoded(fields)) }
    }

    func forEachRegister(_ body: (String, EntityFields) throws -> Void) throws {
        for (key, fields) in (entities[.register] ?? [:]).sorted(by: { EntityKind.keyPrecedes($0.key, $1.key) }) { try body(key, .decoded(fields)) }
    }

    /// The state as a Data Exchange file (`StateExport.write`), in memory.
    public func dataExchangeFile(specification: Specification) -> (text: String, records: Int) {
        var bytes: [UInt8] = []
        let records = (try? StateExport.write(self, specification: specification) { bytes += $0 }) ?? 0
        return (String(decoding: bytes, as: UTF8.self), records)
    }
}

/// The state as of a time, as the log's fold left it: what the fold kept encoded is read as it is.
extension StateFold: ExportSource {
    func exportFields(_ kind: EntityKind, _ key: String) -> EntityFields? { fields(of: kind, key) }

    func forEachEndpoint(_ body: (String, EntityFields) throws -> Void) throws { try forEachEntity(of: .endpoint, body) }

    func forEachRegister(_ body: (String, EntityFields) throws -> Void) throws { try forEachEntity(of: .register, body) }
}

/// The state table as an export reads it: the registers and endpoints a row at a time, the
/// entities they name kept encoded, as stored (a tenth of their decoded size).
struct StoredExportSource: ExportSource {
    private let tables: any StateTables
    private var encoded: [EntityKind: [String: [UInt8]]] = [:]
    private static let named: [EntityKind] = [.account, .location, .servicePoint, .serviceAgreement, .route, .other]

    init(_ tables: any StateTables) throws {
        self.tables = tables
        for kind in Self.named {
            var entities: [String: [UInt8]] = [:]
            try tables.forEachEntity(of: kind) { _, key, fields in entities[String(decoding: key, as: UTF8.self)] = Array(fields) }
            encoded[kind] = entities
        }
    }

    func exportFields(_ kind: EntityKind, _ key: String) -> EntityFields? { encoded[kind]?[key].map(EntityFields.encoded) }

    func forEachEndpoint(_ body: (String, EntityFields) throws -> Void) throws { try forEach(.endpoint, body) }

    func forEachRegister(_ body: (String, EntityFields) throws -> Void) throws { try forEach(.register, body) }

    private func forEach(_ kind: EntityKind, _ body: (String, EntityFields) throws -> Void) throws {
        try tables.forEachEntity(of: kind) { _, key, fields in try body(String(decoding: key, as: UTF8.self), .encoded(Array(fields))) }
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

    /// An entity with its fields decoded or as stored.
    mutating func add(_ kind: EntityKind, _ key: String, _ fields: EntityFields) throws {
        switch fields {
        case .decoded(let fields): try add(kind, key, fields)
        case .encoded(let bytes):
            var key = key
            try key.withUTF8 { key in try bytes.withUnsafeBufferPointer { try add(kind, key, encoded: $0) } }
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
