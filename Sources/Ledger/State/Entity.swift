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

    /// The order in which a record's changes list the kinds: their place in `allCases`, spelt
    /// out because it is asked for every entity of every record (`EntityKindTests` holds the two
    /// to each other).
    var order: Int {
        switch self {
        case .account: 0
        case .location: 1
        case .servicePoint: 2
        case .serviceAgreement: 3
        case .register: 4
        case .endpoint: 5
        case .route: 6
        case .other: 7
        }
    }

    /// The kinds in the order of their names, as the projection tables sort their rows.
    static let byName: [EntityKind] = allCases.sorted { $0.rawValue < $1.rawValue }

    /// Whether key `one` comes before `other` as SQLite orders keys: by their UTF-8 bytes, which
    /// Swift's `<` on strings does not follow for every text.
    static func keyPrecedes(_ one: String, _ other: String) -> Bool { one.utf8.lexicographicallyPrecedes(other.utf8) }

    /// `entries` in the order of the projection tables' primary keys (kind, then key), with what
    /// each carries, ties in the order of `less`.
    static func sortedByKey<Value>(_ entries: [(kind: EntityKind, key: String, value: Value)], by less: (Value, Value) -> Bool)
        -> [(kind: EntityKind, key: String, value: Value)]
    {
        keyOrder(of: entries.count, kind: { entries[$0].kind }, key: { entries[$0].key }) { less(entries[$0].value, entries[$1].value) }
            .map { entries[$0] }
    }

    /// The indices of `count` entities in the order of the projection tables' primary keys: by
    /// kind, then by key as SQLite compares them (their UTF-8 bytes), ties in the order of `less`.
    /// Compared as numbers where they can be (a kind's rank, then the key's first eight bytes),
    /// and by the whole keys only where those are equal: comparing a million pairs of kinds' names
    /// and strings took most of a sort.
    static func keyOrder(of count: Int, kind: (Int) -> EntityKind, key: (Int) -> String, then less: (Int, Int) -> Bool) -> [Int] {
        var order = (0..<count).map { index in (rank: kind(index).rankByName, prefix: keyPrefix(key(index)), index: index) }
        order.sort { first, second in
            if first.rank != second.rank { return first.rank < second.rank }
            if first.prefix != second.prefix { return first.prefix < second.prefix }
            let (one, other) = (key(first.index), key(second.index))
            if one.utf8.elementsEqual(other.utf8) { return less(first.index, second.index) }
            return keyPrecedes(one, other)
        }
        return order.map(\.index)
    }

    /// The kind's place among the kinds in the order of their names.
    private var rankByName: Int { Self.ranksByName[order] }
    private static let ranksByName = allCases.map { byName.firstIndex(of: $0)! }

    /// A key's first eight UTF-8 bytes as a number that orders as they do (a shorter key's
    /// missing bytes count as zeros, below any byte it might have had).
    private static func keyPrefix(_ key: String) -> UInt64 {
        var prefix: UInt64 = 0
        var count = 0
        for byte in key.utf8.prefix(8) {
            prefix = prefix << 8 | UInt64(byte)
            count += 1
        }
        return prefix << (8 * (8 - count))
    }

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
    func key(in record: RecordIdentity) -> String? {
        switch self {
        case .account: record.account
        case .location: record.location
        case .servicePoint, .serviceAgreement: record.servicePointKey
        case .register, .route, .other: record.registerKey
        case .endpoint: record.endpoint.isEmpty ? nil : record.endpoint
        }
    }

    /// The names of the fields that link an entity of this kind to others, in `relations(in:)`'s order.
    var relationNames: [String] { Self.relationNames[order] }

    private static let relationNames: [[String]] = allCases.map { kind in
        switch kind {
        case .serviceAgreement: ["Account_ID"]
        case .register: ["Location_ID", "Service_Point_ID"]
        case .endpoint: ["Meter_ID", "Register_Number"]
        default: []
        }
    }

    /// The entity's links to others, which the ledger keeps as fields so that a move is a change.
    func relations(in record: RecordIdentity) -> [(String, String)] {
        relationNames.indices.map { (relationNames[$0], relation($0, in: record)) }
    }

    /// The value of the relation `relationNames[index]` in a record.
    func relation(_ index: Int, in record: RecordIdentity) -> String {
        switch (self, index) {
        case (.serviceAgreement, 0): record.account
        case (.register, 0): record.location
        case (.register, 1): record.servicePoint.servicePoint
        case (.endpoint, 0): record.register.meter
        case (.endpoint, 1): record.register.register
        default: ""
        }
    }
}

/// The keys a record names, read once per record.
struct RecordIdentity {
    var account: String
    var location: String
    var servicePoint: ServicePointKey
    var register: RegisterKey
    var endpoint: String
    /// The keys of the service point's and the register's entities, made once.
    var servicePointKey: String
    var registerKey: String

    init(_ record: ScannedRecord) {
        let value = { (column: String) in record.value(column) ?? "" }
        account = value("Account_ID")
        location = value("Location_ID")
        servicePoint = ServicePointKey(location: location, servicePoint: value("Service_Point_ID"))
        register = RegisterKey(meter: value("Meter_ID"), register: value("Register_Number"))
        endpoint = value("Endpoint_SN")
        servicePointKey = servicePoint.description
        registerKey = register.description
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
    /// The key the entity had until an ID Update file renamed it (or renamed what its key is
    /// made of: a location for its service points, a meter for its registers).
    public var previousKey: String?
    /// The entity is no more: the revert of the import that created it took it out of the state.
    public var removed: Bool

    public init(kind: EntityKind, key: String, created: Bool, fields: [String: FieldChange], previousKey: String? = nil, removed: Bool = false) {
        self.kind = kind
        self.key = key
        self.created = created
        self.fields = fields
        self.previousKey = previousKey
        self.removed = removed
    }

    private enum CodingKeys: String, CodingKey { case kind, key, created, fields, previousKey, removed }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            kind: container.decode(EntityKind.self, forKey: .kind), key: container.decode(String.self, forKey: .key),
            created: container.decode(Bool.self, forKey: .created), fields: container.decode([String: FieldChange].self, forKey: .fields),
            previousKey: container.decodeIfPresent(String.self, forKey: .previousKey),
            removed: container.decodeIfPresent(Bool.self, forKey: .removed) ?? false)
    }

    /// `removed` only when true: the changes logged before it existed read the same.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(key, forKey: .key)
        try container.encode(created, forKey: .created)
        try container.encode(fields, forKey: .fields)
        try container.encodeIfPresent(previousKey, forKey: .previousKey)
        if removed { try container.encode(true, forKey: .removed) }
    }
}

/// An entity's identity: its kind and key.
public struct EntityKey: Hashable, Sendable {
    public var kind: EntityKind
    public var key: String
}

extension RegisterKey {
    /// A register's key as `description` writes it (`METER`, `METER:L`, `METER:H`), or as people
    /// type it (`METER:0`, `METER:h`): after the last colon is the register when it names one, and
    /// otherwise the whole key is the meter's.
    init(key: String) {
        if let colon = key.lastIndex(of: ":") {
            let side = RegisterKey(meter: "", register: String(key[key.index(after: colon)...])).register
            if side == "L" || side == "H" {
                self.init(meter: String(key[..<colon]), register: side)
                return
            }
        }
        self.init(meter: key, register: "")
    }
}
