import DataExchange
import Foundation
import GRDB

/// What a scan needs of the current state, and nothing more: which entities exist and how they
/// are linked. Loading every entity's fields to scan a 70 MB file again took seven seconds and a
/// gigabyte; this is read from the `link` column the state projection keeps beside the fields.
public struct ScanState: LedgerState, Sendable {
    private var accounts: Set<String> = []
    private var locations: Set<String> = []
    private var servicePoints: [String: String?] = [:]
    private var meters: [String: ServicePointKey] = [:]
    private var registers: [String: CalendarDate?] = [:]
    private var endpoints: [String: RegisterKey] = [:]

    public init() {}

    public var isEmpty: Bool { accounts.isEmpty && locations.isEmpty && servicePoints.isEmpty && registers.isEmpty && endpoints.isEmpty }
    public func hasAccount(_ id: String) -> Bool { accounts.contains(id) }
    public func hasLocation(_ id: String) -> Bool { locations.contains(id) }
    public func servicePoint(_ key: ServicePointKey) -> KnownServicePoint? { servicePoints[key.description].map { KnownServicePoint(account: $0) } }
    public func meter(_ id: String) -> KnownMeter? { meters[id].map { KnownMeter(servicePoint: $0) } }
    public func register(_ key: RegisterKey) -> KnownRegister? { registers[key.description].map { KnownRegister(installDate: $0) } }
    public func endpoint(_ serialNumber: String) -> KnownEndpoint? { endpoints[serialNumber].map { KnownEndpoint(register: $0) } }

    /// Takes in one entity, as its link says it is.
    mutating func add(_ kind: EntityKind, key: String, link: UnsafeBufferPointer<UInt8>) {
        switch kind {
        case .account: accounts.insert(key)
        case .location: locations.insert(key)
        case .servicePoint: if servicePoints[key] == nil { servicePoints[key] = .some(nil) }
        case .serviceAgreement: servicePoints[key] = .some(link.isEmpty ? nil : String(decoding: link, as: UTF8.self))
        case .register:
            let parts = StateLink.parts(of: link)
            guard parts.count == 4 else { return }
            registers[key] = .some(CalendarDate(isoText: parts[3]))
            if !parts[1].isEmpty || !parts[2].isEmpty { meters[parts[0]] = ServicePointKey(location: parts[1], servicePoint: parts[2]) }
        case .endpoint:
            let parts = StateLink.parts(of: link)
            guard parts.count == 2 else { return }
            endpoints[key] = RegisterKey(meter: parts[0], register: parts[1])
        case .route, .other: break
        }
    }

    static func load(from db: Database) throws -> ScanState {
        var state = ScanState()
        for kind in EntityKind.allCases where kind != .route && kind != .other {
            try RawRows.forEach(in: db, sql: "SELECT key, link FROM state WHERE kind = ? AND link IS NOT NULL", arguments: [kind.rawValue]) { row in
                state.add(kind, key: row.text(0), link: row.bytes(1))
            }
        }
        return state
    }
}

/// The few fields of an entity that a scan asks about, in one text column of the state table.
enum StateLink {
    static let separator: Character = "\u{1F}"

    /// The parts of a link, cut on its bytes: a scan of a 70 MB file reads a million links.
    static func parts(of bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var parts: [String] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x1F {
            parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            start = index + 1
        }
        parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
        return parts
    }

    /// nil for the kinds a scan never asks about.
    static func link(_ kind: EntityKind, key: String, field: (String) -> String?) -> String? {
        switch kind {
        case .account, .location, .servicePoint: ""
        case .serviceAgreement: field("Account_ID") ?? ""
        case .register:
            [RegisterKey(key: key).meter, field("Location_ID") ?? "", field("Service_Point_ID") ?? "", field("Meter_Install_Date") ?? ""]
                .joined(separator: String(separator))
        case .endpoint: [field("Meter_ID") ?? "", field("Register_Number") ?? ""].joined(separator: String(separator))
        case .route, .other: nil
        }
    }
}
