/// A service point: a hookup at a location, unique within its location.
public struct ServicePointKey: Hashable, Sendable, CustomStringConvertible {
    public var location: String
    public var servicePoint: String
    public init(location: String, servicePoint: String) {
        self.location = location
        self.servicePoint = servicePoint
    }
    public var description: String { "\(location)/\(servicePoint)" }
}

/// A register: one meter's register, `L` or `H` on a compound meter, blank on a single one.
public struct RegisterKey: Hashable, Sendable, CustomStringConvertible {
    public var meter: String
    public var register: String

    /// `register` as written in the file: `0` is another name for `L`, `2` for `H`.
    public init(meter: String, register: String) {
        self.meter = meter
        switch register.uppercased() {
        case "0", "L": self.register = "L"
        case "2", "H": self.register = "H"
        default: self.register = register
        }
    }

    public var description: String { register.isEmpty ? meter : "\(meter):\(register)" }

    private static let low: [UInt8] = [UInt8(ascii: "L")], high: [UInt8] = [UInt8(ascii: "H")], other: [UInt8] = []

    /// The canonical bytes of a register number: L for l and 0, H for h and 2; empty when the
    /// cell is blank or another value (then the cell itself is the name).
    static func canonical(_ cell: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard cell.count == 1 else { return other }
        switch cell[0] {
        case UInt8(ascii: "L"), UInt8(ascii: "l"), UInt8(ascii: "0"): return low
        case UInt8(ascii: "H"), UInt8(ascii: "h"), UInt8(ascii: "2"): return high
        default: return other
        }
    }
}

/// What the ledger knows now, as far as the scanner's rules need it: which entities exist (the
/// not-empty rules apply only to new ones) and how they are configured (moves, account changes and
/// backdated entries are warnings). The ledger hands its current state to the scanner through this.
public protocol LedgerState: Sendable {
    /// True when the ledger holds nothing, so the scanner need not ask about each entity.
    var isEmpty: Bool { get }
    func hasAccount(_ id: String) -> Bool
    func hasLocation(_ id: String) -> Bool
    /// nil for a service point the ledger does not know.
    func servicePoint(_ key: ServicePointKey) -> KnownServicePoint?
    /// nil for a meter the ledger does not know.
    func meter(_ id: String) -> KnownMeter?
    func register(_ key: RegisterKey) -> KnownRegister?
    func endpoint(_ serialNumber: String) -> KnownEndpoint?
}

extension LedgerState {
    public var isEmpty: Bool { false }
}

public struct KnownServicePoint: Sendable, Equatable {
    /// The account whose service agreement is open there, if any.
    public var account: String?
    /// The meter installed there now, if any: a service point holds one at a time (rule 14).
    public var meter: String?
    public init(account: String?, meter: String? = nil) {
        self.account = account
        self.meter = meter
    }
}

public struct KnownMeter: Sendable, Equatable {
    /// Where the meter is installed now.
    public var servicePoint: ServicePointKey?
    public init(servicePoint: ServicePointKey?) { self.servicePoint = servicePoint }
}

public struct KnownRegister: Sendable, Equatable {
    /// The latest install date recorded for the register.
    public var installDate: CalendarDate?
    /// The serial number of the endpoint that reads it now, if any: one at a time (rule 14).
    public var endpoint: String?
    public init(installDate: CalendarDate?, endpoint: String? = nil) {
        self.installDate = installDate
        self.endpoint = endpoint
    }
}

public struct KnownEndpoint: Sendable, Equatable {
    /// The register that the endpoint reads now.
    public var register: RegisterKey?
    public init(register: RegisterKey?) { self.register = register }
}

/// A ledger with nothing in it: every entity in a file is new.
public struct EmptyLedgerState: LedgerState {
    public init() {}
    public var isEmpty: Bool { true }
    public func hasAccount(_ id: String) -> Bool { false }
    public func hasLocation(_ id: String) -> Bool { false }
    public func servicePoint(_ key: ServicePointKey) -> KnownServicePoint? { nil }
    public func meter(_ id: String) -> KnownMeter? { nil }
    public func register(_ key: RegisterKey) -> KnownRegister? { nil }
    public func endpoint(_ serialNumber: String) -> KnownEndpoint? { nil }
}
