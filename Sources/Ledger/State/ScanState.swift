import DataExchange
import Foundation

/// What a scan needs of the current state, and nothing more: which entities exist and how they
/// are linked. Loading every entity's fields to scan a 70 MB file again took seven seconds and a
/// gigabyte; this is read from the `link` column the state projection keeps beside the fields.
public struct ScanState: LedgerState, Sendable {
    private var places = Places()
    private var assets = Assets()

    public init() {}

    public var isEmpty: Bool {
        places.accounts.isEmpty && places.locations.isEmpty && places.servicePoints.isEmpty && assets.registers.isEmpty && assets.endpoints.isEmpty
    }

    public func hasAccount(_ id: String) -> Bool { places.accounts.contains(id) }
    public func hasLocation(_ id: String) -> Bool { places.locations.contains(id) }
    public func servicePoint(_ key: ServicePointKey) -> KnownServicePoint? {
        let key = key.description
        return places.servicePoints[key].map { KnownServicePoint(account: $0, meter: assets.meterAt[key]) }
    }
    public func meter(_ id: String) -> KnownMeter? { assets.meters[id].map { KnownMeter(servicePoint: $0) } }
    public func register(_ key: RegisterKey) -> KnownRegister? {
        let key = key.description
        return assets.registers[key].map { KnownRegister(installDate: $0, endpoint: assets.endpointOn[key]) }
    }
    public func endpoint(_ serialNumber: String) -> KnownEndpoint? { assets.endpoints[serialNumber].map { KnownEndpoint(register: $0) } }

    static func load(from tables: any StateTables) throws -> ScanState {
        ScanState(places: try Places.load(from: tables), assets: try Assets.load(from: tables))
    }

    private init(places: Places, assets: Assets) {
        self.places = places
        self.assets = assets
    }

    /// Accounts, locations and service points, with the account of each service point's agreement.
    struct Places: Sendable {
        fileprivate var accounts: Set<String> = []
        fileprivate var locations: Set<String> = []
        fileprivate var servicePoints: [String: String?] = [:]

        static func load(from tables: any StateTables) throws -> Places {
            var places = Places()
            places.accounts.reserveCapacity(try tables.linkCount(of: .account))
            places.locations.reserveCapacity(try tables.linkCount(of: .location))
            places.servicePoints.reserveCapacity(try tables.linkCount(of: .servicePoint))
            try tables.forEachLink(of: .account) { key, _ in places.accounts.insert(key) }
            try tables.forEachLink(of: .location) { key, _ in places.locations.insert(key) }
            try tables.forEachLink(of: .servicePoint) { key, _ in
                if places.servicePoints[key] == nil { places.servicePoints[key] = .some(nil) }
            }
            try tables.forEachLink(of: .serviceAgreement) { key, link in
                places.servicePoints[key] = .some(link.isEmpty ? nil : String(decoding: link, as: UTF8.self))
            }
            return places
        }
    }

    /// Registers with their install dates, meters with their service points, endpoints with their
    /// registers; and the other way round, the meter at each service point and the endpoint on
    /// each register, which another one replaces (rule 14).
    struct Assets: Sendable {
        fileprivate var meters: [String: ServicePointKey] = [:]
        fileprivate var registers: [String: CalendarDate?] = [:]
        /// An endpoint taken off its register (rule 14) reads none.
        fileprivate var endpoints: [String: RegisterKey?] = [:]
        fileprivate var meterAt: [String: String] = [:]
        fileprivate var endpointOn: [String: String] = [:]

        static func load(from tables: any StateTables) throws -> Assets {
            var assets = Assets()
            let registers = try tables.linkCount(of: .register)
            assets.registers.reserveCapacity(registers)
            assets.meters.reserveCapacity(registers)
            assets.endpoints.reserveCapacity(try tables.linkCount(of: .endpoint))
            try StateLink.forEachRegister(in: tables) { key, meter, servicePoint, installDate in
                assets.registers[key] = .some(CalendarDate(isoText: installDate))
                if let servicePoint {
                    assets.meters[meter] = servicePoint
                    assets.meterAt[servicePoint.description] = meter
                }
            }
            try StateLink.forEachEndpoint(in: tables) { key, register in
                assets.endpoints[key] = .some(register)
                if let register { assets.endpointOn[register.description] = key }
            }
            return assets
        }
    }

    /// The state read on two threads at once, a half each, while the caller goes on: a million
    /// entities take a core 0.4 s to read.
    final class Loading: Sendable {
        private let places = Handoff<Result<(Places, Int64), any Error>>()
        private let assets = Handoff<Result<(Assets, Int64), any Error>>()

        init(from storage: any LedgerStorage) {
            places.startOnThreadOfItsOwn { Result { try storage.reading { tables in (try Places.load(from: tables), try tables.lastStateChange()) } } }
            assets.startOnThreadOfItsOwn { Result { try storage.reading { tables in (try Assets.load(from: tables), try tables.lastStateChange()) } } }
        }

        /// The state and the position of its last change; nil when an approval came between the
        /// two halves' reads, which then are not one state.
        func wait() throws -> (ScanState, Int64)? {
            let (placesRead, assetsRead) = (places.wait(), assets.wait())
            let ((places, placesVersion), (assets, assetsVersion)) = (try placesRead.get(), try assetsRead.get())
            return placesVersion == assetsVersion ? (ScanState(places: places, assets: assets), placesVersion) : nil
        }
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

    /// Each stored register's meter, where it is placed (nil when taken off) and its install
    /// date, read from the links: what a scan and an approval's change-outs know of registers.
    static func forEachRegister(
        in tables: any StateTables, _ body: (_ key: String, _ meter: String, _ servicePoint: ServicePointKey?, _ installDate: String) throws -> Void
    ) throws {
        try tables.forEachLink(of: .register) { key, link in
            let parts = parts(of: link)
            guard parts.count == 4 else { return }
            let placed = parts[1].isEmpty && parts[2].isEmpty ? nil : ServicePointKey(location: parts[1], servicePoint: parts[2])
            try body(key, parts[0], placed, parts[3])
        }
    }

    /// Each stored endpoint and the register it reads (nil when taken off), read from the links.
    static func forEachEndpoint(in tables: any StateTables, _ body: (_ serialNumber: String, _ register: RegisterKey?) throws -> Void) throws {
        try tables.forEachLink(of: .endpoint) { key, link in
            let parts = parts(of: link)
            guard parts.count == 2 else { return }
            try body(key, parts[0].isEmpty ? nil : RegisterKey(meter: parts[0], register: parts[1]))
        }
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
