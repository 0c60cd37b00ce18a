import DataExchange
import Foundation

/// Everything a scan told its observer, for tests to look at.
struct Collected: ScanObserver {
    struct Record {
        var number: Int
        var line: Int
        var byteOffset: Int
        var cells: [String]
        var exceptions: [ScanException]
        var blocked: Components
        var isReady: Bool
    }

    var fileExceptions: [ScanException] = []
    var header: [String] = []
    var records: [Record] = []

    mutating func scanner(found exception: ScanException) throws { fileExceptions.append(exception) }
    mutating func scanner(readHeader header: Header) throws { self.header = header.names }
    mutating func scanner(scanned record: ScannedRecord) throws {
        records.append(Record(
            number: record.number, line: record.line, byteOffset: record.byteOffset, cells: record.cells,
            exceptions: Array(record.exceptions), blocked: record.blocked, isReady: record.isReady))
    }

    var allExceptions: [ScanException] { fileExceptions + records.flatMap(\.exceptions) }
    var codes: [ExceptionCode] { allExceptions.map(\.code) }
}

/// A fixed day for the rules about future dates.
let testToday = CalendarDate(year: 2026, month: 6, day: 15)!

func scan(
    _ bytes: [UInt8], ledger: any LedgerState = EmptyLedgerState(), specification: Specification? = nil, batchSize: Int = 1_024
) throws -> (summary: ScanSummary, collected: Collected) {
    var scanner = Scanner(specification: try specification ?? Specification.bundled(), ledger: ledger, today: testToday)
    scanner.batchSize = batchSize
    var collected = Collected()
    let summary = try scanner.scan(MemoryByteSource(bytes), name: "test.csv", observer: &collected)
    return (summary, collected)
}

func scan(
    _ text: String, ledger: any LedgerState = EmptyLedgerState(), specification: Specification? = nil, batchSize: Int = 1_024
) throws -> (summary: ScanSummary, collected: Collected) {
    try scan(Array(text.utf8), ledger: ledger, specification: specification, batchSize: batchSize)
}

/// Builds small Data Exchange files: a header of chosen columns, and rows given by column name.
/// `base` is a complete row for a new configuration (every not-empty field filled).
struct DXFile {
    static let base: [String: String] = [
        "Account_ID": "A1", "Account_Full_Name": "Ada Lovelace", "Location_ID": "L1", "Location_Address_Line1": "1 Main St",
        "Location_City": "Milwaukee", "Location_State": "WI", "Location_Zip": "53202", "Location_Latitude": "43.04",
        "Location_Longitude": "-87.91", "Service_Point_ID": "001", "Service_Point_Type": "W", "Meter_ID": "M1",
        "Meter_Manufacturer": "Neptune", "Meter_Model": "T-10", "Meter_Size": "0.625", "Meter_Size_Unit": "IN",
        "Meter_Continuous_Flow": "N", "Meter_Install_Date": "2020-01-15", "Register_Number": "",
        "Register_Unit_Of_Measure": "GAL", "Register_Resolution": "1", "Endpoint_SN": "E1", "Endpoint_Type": "M",
    ]
    static let baseColumns = [
        "Account_ID", "Account_Full_Name", "Location_ID", "Location_Address_Line1", "Location_City", "Location_State", "Location_Zip",
        "Location_Latitude", "Location_Longitude", "Service_Point_ID", "Service_Point_Type", "Meter_ID", "Meter_Manufacturer",
        "Meter_Model", "Meter_Size", "Meter_Size_Unit", "Meter_Continuous_Flow", "Meter_Install_Date", "Register_Number",
        "Register_Unit_Of_Measure", "Register_Resolution", "Endpoint_SN", "Endpoint_Type",
    ]

    var columns: [String]
    var rows: [[String: String]] = []

    init(columns: [String] = DXFile.baseColumns, extra: [String] = []) {
        self.columns = columns + extra.filter { !columns.contains($0) }
    }

    /// Adds the base row changed by `changes`.
    mutating func add(_ changes: [String: String] = [:]) {
        rows.append(Self.base.merging(changes) { $1 })
    }

    /// The header: the chosen columns, then any column beyond the base ones that a row fills.
    var header: [String] {
        columns + Set(rows.flatMap { $0.filter { !$0.value.isEmpty }.keys }).subtracting(columns).subtracting(Self.baseColumns).sorted()
    }

    var text: String {
        let columns = header
        return ([columns] + rows.map { row in columns.map { row[$0] ?? "" } })
            .map { $0.map(CSVFormat.cell).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// A file of one base row changed by `changes`, with `extra` columns.
    static func one(_ changes: [String: String] = [:], extra: [String] = []) -> String {
        var file = DXFile(extra: extra + changes.keys.sorted())
        file.add(changes)
        return file.text
    }
}

/// A ledger that knows some entities, for the rules that compare a file with the ledger.
struct KnownLedger: LedgerState {
    var accounts: Set<String> = []
    var locations: Set<String> = []
    var servicePoints: [ServicePointKey: KnownServicePoint] = [:]
    var meters: [String: KnownMeter] = [:]
    var registers: [RegisterKey: KnownRegister] = [:]
    var endpoints: [String: KnownEndpoint] = [:]

    func hasAccount(_ id: String) -> Bool { accounts.contains(id) }
    func hasLocation(_ id: String) -> Bool { locations.contains(id) }
    func servicePoint(_ key: ServicePointKey) -> KnownServicePoint? { servicePoints[key] }
    func meter(_ id: String) -> KnownMeter? { meters[id] }
    func register(_ key: RegisterKey) -> KnownRegister? { registers[key] }
    func endpoint(_ serialNumber: String) -> KnownEndpoint? { endpoints[serialNumber] }

    /// A ledger that holds the base row's configuration.
    static var holdingBase: KnownLedger {
        let point = ServicePointKey(location: "L1", servicePoint: "001")
        let register = RegisterKey(meter: "M1", register: "")
        return KnownLedger(
            accounts: ["A1"], locations: ["L1"], servicePoints: [point: KnownServicePoint(account: "A1", meter: "M1")],
            meters: ["M1": KnownMeter(servicePoint: point)],
            registers: [register: KnownRegister(installDate: CalendarDate(year: 2020, month: 1, day: 15), endpoint: "E1")],
            endpoints: ["E1": KnownEndpoint(register: register)])
    }
}

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

