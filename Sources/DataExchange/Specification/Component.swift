/// The parts of a service configuration that import independently: an error in a field blocks
/// only the component that the field belongs to (spec rule 5).
public enum Component: String, Sendable, CaseIterable, Codable {
    case account = "Account"
    case location = "Location"
    case servicePoint = "ServicePoint"
    case serviceAgreement = "ServiceAgreement"
    case meter = "Meter"
    case endpoint = "Endpoint"
    case route = "Route"
    case other = "Other"

    var bit: Components {
        switch self {
        case .account: Components(rawValue: 1 << 0)
        case .location: Components(rawValue: 1 << 1)
        case .servicePoint: Components(rawValue: 1 << 2)
        case .serviceAgreement: Components(rawValue: 1 << 3)
        case .meter: Components(rawValue: 1 << 4)
        case .endpoint: Components(rawValue: 1 << 5)
        case .route: Components(rawValue: 1 << 6)
        case .other: Components(rawValue: 1 << 7)
        }
    }
}

/// A set of components, such as those an exception blocks or those a record carries.
public struct Components: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ components: [Component]) {
        self = components.reduce(into: Components()) { $0.formUnion($1.bit) }
    }

    public static var account: Components { Component.account.bit }
    public static var location: Components { Component.location.bit }
    public static var servicePoint: Components { Component.servicePoint.bit }
    public static var serviceAgreement: Components { Component.serviceAgreement.bit }
    public static var meter: Components { Component.meter.bit }
    public static var endpoint: Components { Component.endpoint.bit }
    public static var route: Components { Component.route.bit }
    public static var other: Components { Component.other.bit }
    /// The whole record.
    public static var all: Components { Components(rawValue: 0xFF) }

    public func contains(_ component: Component) -> Bool { contains(component.bit) }

    public var members: [Component] { Component.allCases.filter { contains($0) } }
}
