import DataExchange

/// The things a Data Exchange record describes, each with its key: the ledger keeps their current
/// fields and the history of every change.
public enum EntityKind: String, Sendable, Codable, CaseIterable {
    case account = "Account"
    case location = "Location"
    case servicePoint = "ServicePoint"
    /// The account at a service point, keyed by the service point.
    case serviceAgreement = "ServiceAgreement"
    /// A meter's register, with the meter's fields and where it is installed.
    case register = "Register"
    /// An endpoint, with the register it reads.
    case endpoint = "Endpoint"
    /// A register's place on its read route, keyed by the register.
    case route = "Route"
    /// The utility's own fields, keyed by the register.
    case other = "Other"

    /// The order in which a record's changes list the kinds.
    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// The component of a record whose errors block this entity.
    var component: Component {
        switch self {
        case .account: .account
        case .location: .location
        case .servicePoint: .servicePoint
        case .serviceAgreement: .serviceAgreement
        case .register: .meter
        case .endpoint: .endpoint
        case .route: .route
        case .other: .other
        }
    }

    /// The columns that identify an entity of this kind, and not fields of it.
    static let keyColumns: Set<String> = ["Account_ID", "Location_ID", "Service_Point_ID", "Meter_ID", "Register_Number", "Endpoint_SN"]

    /// The key of this kind's entity in a record, nil when the record has none (no endpoint).
    func key(in record: ScannedRecord) -> String? {
        let value = { (column: String) in record.value(column) ?? "" }
        let servicePoint = ServicePointKey(location: value("Location_ID"), servicePoint: value("Service_Point_ID")).description
        let register = RegisterKey(meter: value("Meter_ID"), register: value("Register_Number")).description
        switch self {
        case .account: return value("Account_ID")
        case .location: return value("Location_ID")
        case .servicePoint, .serviceAgreement: return servicePoint
        case .register, .route, .other: return register
        case .endpoint: return value("Endpoint_SN").isEmpty ? nil : value("Endpoint_SN")
        }
    }

    /// The entity's links to others, which the ledger keeps as fields so that a move is a change.
    func relations(in record: ScannedRecord) -> [(String, String)] {
        let value = { (column: String) in record.value(column) ?? "" }
        switch self {
        case .serviceAgreement: return [("Account_ID", value("Account_ID"))]
        case .register: return [("Location_ID", value("Location_ID")), ("Service_Point_ID", value("Service_Point_ID"))]
        case .endpoint:
            let register = RegisterKey(meter: value("Meter_ID"), register: value("Register_Number"))
            return [("Meter_ID", register.meter), ("Register_Number", register.register)]
        default: return []
        }
    }
}

/// One field's change: nil is "no value".
public struct FieldChange: Sendable, Codable, Equatable {
    public var old: String?
    public var new: String?

    public init(old: String?, new: String?) {
        self.old = old
        self.new = new
    }
}

/// Compact in the log, where a first import writes millions: a field that had no value is just
/// its new value, `"0.625"`; any other change is `[old, new]`, `null` for no value.
extension FieldChange {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let new = try? container.decode(String.self) {
            self.init(old: nil, new: new)
        } else {
            let pair = try container.decode([String?].self)
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "A field change is a value or [old, new].")
            }
            self.init(old: pair[0], new: pair[1])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if old == nil, let new {
            try container.encode(new)
        } else {
            try container.encode([old, new])
        }
    }
}

/// What one record changed in one entity.
public struct EntityChange: Sendable, Codable, Equatable {
    public var kind: EntityKind
    public var key: String
    /// The entity did not exist before this record.
    public var created: Bool
    public var fields: [String: FieldChange]

    public init(kind: EntityKind, key: String, created: Bool, fields: [String: FieldChange]) {
        self.kind = kind
        self.key = key
        self.created = created
        self.fields = fields
    }
}

/// An entity's identity: its kind and key.
public struct EntityKey: Hashable, Sendable {
    public var kind: EntityKind
    public var key: String
}
