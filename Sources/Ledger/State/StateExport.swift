import DataExchange
import Foundation

extension CurrentState {
    /// The state as a Data Exchange file: one record per register, every column of the
    /// specification in its order. Importing it back changes nothing.
    public func dataExchangeFile(specification: Specification) -> (text: String, records: Int) {
        let names = specification.columns.map(\.name)
        var text = CSVFormat.line(names)
        var records = 0
        // A register that endpoints were swapped on is named by each of them (decision 12): its
        // row takes the one in place, whichever order the dictionary gives them in.
        var endpointOf: [String: (serial: String, fields: [String: String])] = [:]
        for (serial, fields) in entities[.endpoint] ?? [:] {
            guard let meter = fields["Meter_ID"] else { continue }
            let register = RegisterKey(meter: meter, register: fields["Register_Number"] ?? "").description
            if let other = endpointOf[register], !Self.isInPlace((serial, fields), over: other) { continue }
            endpointOf[register] = (serial, fields)
        }
        for (key, register) in (entities[.register] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let location = register["Location_ID"], let point = register["Service_Point_ID"] else { continue }
            let servicePoint = ServicePointKey(location: location, servicePoint: point).description
            let agreement = fields(.serviceAgreement, servicePoint) ?? [:]
            let registerKey = RegisterKey(key: key)
            var row: [String: String] = ["Meter_ID": registerKey.meter, "Register_Number": registerKey.register, "Location_ID": location, "Service_Point_ID": point]
            let account = agreement["Account_ID"]
            row["Account_ID"] = account
            let parts: [[String: String]?] = [
                register.filter { !["Location_ID", "Service_Point_ID"].contains($0.key) }, fields(.location, location), fields(.servicePoint, servicePoint),
                agreement.filter { $0.key != "Account_ID" }, account.flatMap { fields(.account, $0) }, fields(.route, key), fields(.other, key),
            ]
            for part in parts.compactMap({ $0 }) { row.merge(part) { current, _ in current } }
            if let endpoint = endpointOf[key] {
                row["Endpoint_SN"] = endpoint.serial
                row.merge(endpoint.fields.filter { !["Meter_ID", "Register_Number"].contains($0.key) }) { current, _ in current }
            }
            text += CSVFormat.line(names.map { row[$0] ?? "" })
            records += 1
        }
        return (text, records)
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

/// The state as one JSON object, an entity at a time, in the order of kinds and keys byte by byte
/// (SQLite's order, so that the state as it stands and as of a time are written alike).
struct StateJSON {
    private let output: OutputFile
    private var writer = JSONWriter(capacity: 1 << 17)
    private var kind: EntityKind?
    private var first = true

    init(_ output: OutputFile) { self.output = output }

    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    mutating func add(_ kind: EntityKind, _ key: String, _ fields: [String: String]) throws {
        var key = key
        try key.withUTF8 { key in
            try add(kind, key) { writer in
                for (index, (name, value)) in fields.sorted(by: { Self.precedes($0.key, $1.key) }).enumerated() {
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
