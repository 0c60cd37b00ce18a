/// The rules that read records in file order against what came before them: the ledger's current
/// state and the earlier records of the file. Which entities are new (not-empty and recommended
/// fields), an endpoint on two registers, a register given twice, and the configuration changes a
/// person should read before approving (moves, account changes, backdated entries).
///
/// Entities are followed by interned ids in `KeyTable`s, so that a 70 MB file's 166,000 records
/// cost a few megabytes and no String per record; Strings are made only for messages and for
/// questions to a ledger that is not empty.
struct ConfigurationTracker: RecordTracker {
    private static let none: Int32 = -1
    /// Taken away by an earlier record of the file: what the ledger says no longer holds.
    private static let vacant: Int32 = -2

    private struct Cells {
        var account, location, servicePoint, meter: Int
        var register, endpoint, installDate, endpointInstallDate, removalDate, endpointRemovalDate: Int?
    }

    private let checker: RecordChecker
    private let ledger: any LedgerState
    private let cells: Cells?
    /// The cells of the components a record carries only when it fills them.
    private let optionalComponents: [(cell: Int, component: Components)]
    /// The not-empty and recommended columns, with the cell holding each (nil: not in the file).
    private let creationColumns: [(component: Component, column: Int, cell: Int?)]

    private var accounts: KeyTable
    private var locations: KeyTable
    private var servicePoints: KeyTable
    private var meters: KeyTable
    private var registers: KeyTable
    private var endpoints: KeyTable

    /// Whether an earlier record of the file created the entity (its component imported).
    private var accountCreated = BitArray()
    private var locationCreated = BitArray()
    private var servicePointCreated = BitArray()
    private var registerCreated = BitArray()
    private var endpointCreated = BitArray()
    /// By service point: the account at it in the file so far.
    private var accountAt: [Int32] = []
    /// By meter: its service point in the file so far.
    private var servicePointOf: [Int32] = []
    /// By service point: the meter at it in the file so far (rule 14: one at a time).
    private var meterAt: [Int32] = []
    /// By register: the endpoint on it in the file so far (rule 14: one at a time).
    private var endpointOn: [Int32] = []
    /// By register: the latest install date in the file so far (a day number).
    private var latestInstall: [Int32] = []
    /// By endpoint: the register it reads in the file, and the record that said so.
    private var registerOf: [Int32] = []
    private var registerOfRecord: [Int32] = []
    /// By register: its last record's install date, digest and number, to tell a register given
    /// twice for one install date; `earlier` keeps the others of registers with several dates.
    private var last: [Occurrence] = []
    private var earlier = KeyTable()
    private var earlierOccurrences: [Occurrence] = []

    private var joined: [UInt8] = []

    /// One per register: 20 bytes, its digest kept in halves and its offset in 32 bits (a file
    /// the scanner reads is at most 70 MB), not the 32 bytes of an `Int` and a `UInt64` aligned.
    private struct Occurrence {
        static let never = Occurrence(day: .min, digest: 0, record: 0, byteOffset: 0)
        static let noDate = Int32.min + 1
        var day: Int32
        var record: Int32
        private var digestHalves: (high: UInt32, low: UInt32)
        private var offset: UInt32

        init(day: Int32, digest: UInt64, record: Int32, byteOffset: Int) {
            self.day = day
            self.record = record
            digestHalves = (UInt32(truncatingIfNeeded: digest >> 32), UInt32(truncatingIfNeeded: digest))
            offset = UInt32(byteOffset)
        }

        var digest: UInt64 { UInt64(digestHalves.high) << 32 | UInt64(digestHalves.low) }
        var byteOffset: Int { Int(offset) }
    }

    /// Reads the cells of the record at a byte offset of the file again: to compare a record with
    /// an earlier one for the same register and date, which is rare, without keeping every record.
    private let earlierRecord: (Int) -> [[UInt8]]?

    /// A tracker for a file of about `expectedRecords` records: its tables' arenas and its arrays
    /// are reserved once for that many, which takes memory only as they fill; the tables' slots
    /// grow with the entities (decision 0032).
    init(checker: RecordChecker, ledger: any LedgerState, expectedRecords: Int, earlierRecord: @escaping (Int) -> [[UInt8]]?) {
        self.checker = checker
        self.ledger = ledger
        self.earlierRecord = earlierRecord
        let capacity = max(1024, expectedRecords)
        accounts = KeyTable(capacity: capacity)
        locations = KeyTable(capacity: capacity, keyLength: 9)
        servicePoints = KeyTable(capacity: capacity)
        meters = KeyTable(capacity: capacity)
        registers = KeyTable(capacity: capacity)
        endpoints = KeyTable(capacity: capacity)
        accountCreated.reserveCapacity(capacity)
        locationCreated.reserveCapacity(capacity)
        servicePointCreated.reserveCapacity(capacity)
        registerCreated.reserveCapacity(capacity)
        endpointCreated.reserveCapacity(capacity)
        accountAt.reserveCapacity(capacity)
        servicePointOf.reserveCapacity(capacity)
        meterAt.reserveCapacity(capacity)
        endpointOn.reserveCapacity(capacity)
        latestInstall.reserveCapacity(capacity)
        registerOf.reserveCapacity(capacity)
        registerOfRecord.reserveCapacity(capacity)
        last.reserveCapacity(capacity)
        let header = checker.header
        func cell(_ name: String) -> Int? { header.cell(ofColumn: name) }
        if let account = cell("Account_ID"), let location = cell("Location_ID"), let servicePoint = cell("Service_Point_ID"),
            let meter = cell("Meter_ID") {
            cells = Cells(
                account: account, location: location, servicePoint: servicePoint, meter: meter, register: cell("Register_Number"),
                endpoint: cell("Endpoint_SN"), installDate: cell("Meter_Install_Date"), endpointInstallDate: cell("Endpoint_Install_Date"),
                removalDate: cell("Meter_Removal_Date"), endpointRemovalDate: cell("Endpoint_Removal_Date"))
        } else {
            cells = nil
        }
        optionalComponents = header.columnOfCell.enumerated().compactMap { cell, column in
            guard let column else { return nil }
            let component = header.specification.columns[column].component
            return [.endpoint, .route, .other].contains(component) ? (cell, component.bit) : nil
        }
        creationColumns = header.specification.columns.enumerated().compactMap { index, column in
            guard column.requirement == .notEmpty || column.requirement == .recommended else { return nil }
            return (column.component, index, header.cellOfColumn[index])
        }
    }

    @inline(__always)
    private static func grow<Value>(_ array: inout [Value], to id: Int32, with value: Value) {
        while array.count <= Int(id) { array.append(value) }
    }

    @inline(__always)
    private static func grow(_ bits: inout BitArray, to id: Int32, with value: Bool) {
        while bits.count <= Int(id) { bits.append(value) }
    }

    /// An interned key as a message shows it: a service point as `L1/001`.
    private func text(_ table: KeyTable, _ id: Int32) -> String {
        checker.context.encoding.string(table.key(id)).replacingOccurrences(of: "\u{1F}", with: "/")
    }

    /// The interned id of a key the ledger gave, to follow it as the file's own keys are followed.
    private mutating func id(of first: String, _ second: String? = nil, in table: WritableKeyPath<Self, KeyTable>) -> Int32 {
        var key = Array(first.utf8)
        if let second {
            key.append(KeyTable.separator)
            key.append(contentsOf: second.utf8)
        }
        return key.withUnsafeBufferPointer { self[keyPath: table].insert($0) }
    }

    /// The day a meter or an endpoint taken off by a change-out comes off (rule 14), for a message.
    private static func changeOutDay(_ day: Int?, of replacing: String) -> String {
        day.map { "on \(CalendarDate(dayNumber: $0)), \(replacing)'s install date" } ?? "on the day the import is approved (\(replacing) has no install date)"
    }

    /// An interned register as a message shows it: `M1`, or `M1:L` on a compound meter.
    private func registerText(_ id: Int32) -> String {
        let parts = checker.context.encoding.string(registers.key(id)).split(separator: "\u{1F}", omittingEmptySubsequences: false)
        return RegisterKey(meter: String(parts[0]), register: parts.count > 1 ? String(parts[1]) : "").description
    }

    mutating func track(_ view: BatchView, at index: Int, digest: UInt64, exceptions: inout [ScanException], from first: Int) {
        guard let cells else { return }
        func blocked() -> Components { Self.blocked(by: exceptions[first...]) }
        guard blocked() != .all else { return }
        let record = view.records[index]
        let row = view.cells(ofRecordAt: index)
        let encoding = checker.context.encoding
        func add(_ code: ExceptionCode, cell: Int?, value: String?, _ message: String, blocking: Components? = nil) {
            exceptions.append(checker.exception(code, record, cell: cell, value: value, message: message, blocked: blocking))
        }
        func string(_ cell: Int?) -> String { encoding.string(row[optional: cell]) }
        let askLedger = !ledger.isEmpty

        let account = accounts.insert(row[cells.account])
        let location = locations.insert(row[cells.location])
        let meter = meters.insert(row[cells.meter])
        KeyTable.join(row[cells.location], row[cells.servicePoint], into: &joined)
        let servicePoint = joined.withUnsafeBufferPointer { servicePoints.insert($0) }
        let registerCell = row[optional: cells.register]
        RegisterKey.canonical(registerCell).withUnsafeBufferPointer { canonical in
            KeyTable.join(row[cells.meter], canonical.isEmpty && !registerCell.isEmpty ? registerCell : canonical, into: &joined)
        }
        let register = joined.withUnsafeBufferPointer { registers.insert($0) }
        var registerName: String { RegisterKey(meter: "", register: string(cells.register)).register }
        let serial = row[optional: cells.endpoint]
        let endpoint = serial.isEmpty ? Self.none : endpoints.insert(serial)
        Self.grow(&accountCreated, to: account, with: false)
        Self.grow(&locationCreated, to: location, with: false)
        Self.grow(&servicePointCreated, to: servicePoint, with: false)
        Self.grow(&accountAt, to: servicePoint, with: Self.none)
        Self.grow(&servicePointOf, to: meter, with: Self.none)
        Self.grow(&meterAt, to: servicePoint, with: Self.none)
        Self.grow(&endpointOn, to: register, with: Self.none)
        Self.grow(&registerCreated, to: register, with: false)
        Self.grow(&latestInstall, to: register, with: .min)
        Self.grow(&last, to: register, with: .never)
        if endpoint != Self.none {
            Self.grow(&endpointCreated, to: endpoint, with: false)
            Self.grow(&registerOf, to: endpoint, with: Self.none)
            Self.grow(&registerOfRecord, to: endpoint, with: 0)
        }
        let installDay = ASCII.date(row[optional: cells.installDate]).date?.dayNumber
        var servicePointKey: ServicePointKey { ServicePointKey(location: string(cells.location), servicePoint: string(cells.servicePoint)) }
        var registerKey: RegisterKey { RegisterKey(meter: string(cells.meter), register: registerName) }
        // What the ledger holds of this record's entities, asked once each: a look-up in a
        // million entities is a cache miss or two.
        lazy var ledgerServicePoint = askLedger ? ledger.servicePoint(servicePointKey) : nil
        lazy var ledgerRegister = askLedger ? ledger.register(registerKey) : nil
        lazy var ledgerEndpoint = askLedger && endpoint != Self.none ? ledger.endpoint(string(cells.endpoint)) : nil

        // Creation: the not-empty fields of a new entity must be there (spec "Requirements").
        var new = Components()
        if !accountCreated[Int(account)] && !(askLedger && ledger.hasAccount(string(cells.account))) { new.insert(.account) }
        if !locationCreated[Int(location)] && !(askLedger && ledger.hasLocation(string(cells.location))) { new.insert(.location) }
        if !servicePointCreated[Int(servicePoint)] && ledgerServicePoint == nil { new.insert(.servicePoint) }
        if !registerCreated[Int(register)] && ledgerRegister == nil { new.insert(.meter) }
        if endpoint != Self.none && !endpointCreated[Int(endpoint)] && ledgerEndpoint == nil {
            new.insert(.endpoint)
        }
        // An entity whose key is wrong is no entity yet: its key's error says what to do.
        for (key, component) in [(cells.account, Components.account), (cells.endpoint, .endpoint)] {
            let name = key.flatMap { checker.header.columnOfCell[$0] }.map { checker.header.specification.columns[$0].name }
            if exceptions[first...].contains(where: { $0.column == name }) { new.subtract(component) }
        }
        for (component, index, cell) in creationColumns where new.contains(component) && row[optional: cell].isEmpty {
            let column = checker.header.specification.columns[index]
            guard !exceptions[first...].contains(where: { $0.column == column.name }) else { continue }
            let entity: String = switch component {
            case .account: "account \(string(cells.account))"
            case .location: "location \(string(cells.location))"
            case .servicePoint: "service point \(servicePointKey)"
            case .endpoint: "endpoint \(string(cells.endpoint))"
            case .meter: "meter register \(registerKey)"
            default: component.rawValue.lowercased()
            }
            if column.requirement == .notEmpty {
                add(.missingOnCreate, cell: cell, value: "",
                    "\(column.name) is \(cell == nil ? "not in the file" : "blank") but the \(entity) is new: a new \(component.rawValue.lowercased()) needs it.",
                    blocking: Components([component]))
            } else if cell != nil {
                add(.recommendedBlank, cell: cell, value: "", "\(column.name) is blank for the new \(entity); it is recommended.")
            }
        }

        // A register given twice for the same install date: the same record again changes
        // nothing; another value for a field that both fill is a conflict. A blank keeps.
        let current = Occurrence(
            day: installDay.map { Int32($0) } ?? Occurrence.noDate, digest: digest, record: Int32(record.number),
            byteOffset: record.byteOffset)
        if let earlier = occurrence(of: register, on: current) {
            let when = installDay.map { "install date \(CalendarDate(dayNumber: $0))" } ?? "no install date"
            if earlier.digest == current.digest {
                add(.duplicateRecord, cell: cells.meter, value: string(cells.meter),
                    "Record \(record.number) repeats record \(earlier.record) exactly (register \(registerKey), \(when)); it changes nothing.")
            } else if let cell = conflictingCell(row, with: earlier) {
                let column = checker.header.columnOfCell[cell].map { checker.header.specification.columns[$0].name } ?? checker.header.names[cell]
                add(.registerConflict, cell: cells.meter, value: string(cells.meter),
                    "Register \(registerKey) with \(when) is also in record \(earlier.record), with another \(column); keep one of the two records.",
                    blocking: .all)
                return
            }
        }
        let recordBlocked = blocked()

        // Endpoints: one register each in a file; a move from the ledger's register is a warning.
        if endpoint != Self.none && !recordBlocked.contains(.endpoint) {
            let earlier = registerOf[Int(endpoint)]
            if earlier != Self.none {
                if earlier != register {
                    add(.endpointOnTwoRegisters, cell: cells.endpoint, value: string(cells.endpoint),
                        "Endpoint \(string(cells.endpoint)) is on register \(registerKey) here and on register \(registerText(earlier)) in record \(registerOfRecord[Int(endpoint)]); an endpoint reads one register.",
                        blocking: .endpoint)
                }
            } else {
                if let current = ledgerEndpoint?.register, current != registerKey {
                    add(.endpointMoved, cell: cells.endpoint, value: string(cells.endpoint),
                        "Endpoint \(string(cells.endpoint)) moves from register \(current) to register \(registerKey).")
                    let left = id(of: current.meter, current.register, in: \.registers)
                    Self.grow(&endpointOn, to: left, with: Self.none)
                    if endpointOn[Int(left)] == Self.none || endpointOn[Int(left)] == endpoint { endpointOn[Int(left)] = Self.vacant }
                }
                registerOf[Int(endpoint)] = register
                registerOfRecord[Int(endpoint)] = Int32(record.number)
            }
            // Another endpoint on the register: a swap takes the one there off (rule 14). A
            // record with a removal date tells of an endpoint that came off: it replaces none.
            if !blocked().contains(.endpoint) && row[optional: cells.endpointRemovalDate].isEmpty {
                let there = endpointOn[Int(register)]
                let replaced: String? = there >= 0
                    ? (there != endpoint ? text(endpoints, there) : nil)
                    : there == Self.vacant ? nil : ledgerRegister?.endpoint.flatMap { $0 != string(cells.endpoint) ? $0 : nil }
                if let replaced {
                    let day = ASCII.date(row[optional: cells.endpointInstallDate]).date?.dayNumber
                    add(.endpointReplaced, cell: cells.endpoint, value: string(cells.endpoint),
                        "Endpoint \(string(cells.endpoint)) replaces endpoint \(replaced) on register \(registerKey): \(replaced) comes off it \(Self.changeOutDay(day, of: string(cells.endpoint))).")
                }
                endpointOn[Int(register)] = endpoint
            }
        }
        // A meter moving to another service point.
        if !recordBlocked.contains(.meter) {
            let inFile = servicePointOf[Int(meter)]
            let left: Int32? = inFile >= 0
                ? (inFile != servicePoint ? inFile : nil)
                : inFile == Self.vacant || !askLedger
                    ? nil
                    : ledger.meter(string(cells.meter))?.servicePoint.flatMap {
                        $0 != servicePointKey ? id(of: $0.location, $0.servicePoint, in: \.servicePoints) : nil
                    }
            if let left {
                add(.meterMoved, cell: cells.meter, value: string(cells.meter),
                    "Meter \(string(cells.meter)) moves from service point \(text(servicePoints, left)) to service point \(servicePointKey).")
                Self.grow(&meterAt, to: left, with: Self.none)
                if meterAt[Int(left)] == Self.none || meterAt[Int(left)] == meter { meterAt[Int(left)] = Self.vacant }
            }
            // Another meter at the service point: a change-out takes the one there off (rule 14).
            // A record with a removal date tells of a meter that came off: it replaces none.
            let isRemoved = !row[optional: cells.removalDate].isEmpty
            let there = isRemoved ? Self.vacant : meterAt[Int(servicePoint)]
            let replaced: String? = there >= 0
                ? (there != meter ? text(meters, there) : nil)
                : there == Self.vacant ? nil : ledgerServicePoint?.meter.flatMap { $0 != string(cells.meter) ? $0 : nil }
            if let replaced {
                add(.meterReplaced, cell: cells.meter, value: string(cells.meter),
                    "Meter \(string(cells.meter)) replaces meter \(replaced) at service point \(servicePointKey): \(replaced) comes off it \(Self.changeOutDay(installDay, of: string(cells.meter))).")
                let off = there >= 0 ? there : id(of: replaced, in: \.meters)
                Self.grow(&servicePointOf, to: off, with: Self.none)
                servicePointOf[Int(off)] = Self.vacant
            }
            if !isRemoved { meterAt[Int(servicePoint)] = meter }
            servicePointOf[Int(meter)] = servicePoint
            if let installDay {
                let recorded = latestInstall[Int(register)] != .min
                    ? Int(latestInstall[Int(register)]) : ledgerRegister?.installDate?.dayNumber
                if let latest = recorded, installDay < latest {
                    add(.backdatedEntry, cell: cells.installDate, value: string(cells.installDate),
                        "Meter_Install_Date \(CalendarDate(dayNumber: installDay)) is before \(CalendarDate(dayNumber: latest)), the install date already recorded for register \(registerKey): importing it rewrites the register's history.")
                }
                latestInstall[Int(register)] = max(Int32(installDay), latestInstall[Int(register)])
            }
        }
        // An account change at a service point closes one service agreement and opens another.
        if !recordBlocked.contains(.serviceAgreement) {
            let inFile = accountAt[Int(servicePoint)]
            let accountID = string(cells.account)
            let from: String? = inFile != Self.none
                ? (inFile != account ? text(accounts, inFile) : nil)
                : ledgerServicePoint?.account.flatMap { $0 != accountID ? $0 : nil }
            if let from {
                add(.accountChanged, cell: cells.account, value: accountID,
                    "Service point \(servicePointKey) changes account from \(from) to \(accountID): the service agreement of \(from) closes and one for \(accountID) opens.")
            }
        }
        let imported = Components.all.subtracting(blocked())
        if imported.contains(.account) { accountCreated[Int(account)] = true }
        if imported.contains(.location) { locationCreated[Int(location)] = true }
        if imported.contains(.servicePoint) { servicePointCreated[Int(servicePoint)] = true }
        if imported.contains(.serviceAgreement) { accountAt[Int(servicePoint)] = account }
        if imported.contains(.meter) { registerCreated[Int(register)] = true }
        if endpoint != Self.none && imported.contains(.endpoint) { endpointCreated[Int(endpoint)] = true }
    }

    /// What a record's errors block, and whether it is ready: at least one of the components it
    /// carries will import. Every record places an account at a service point with a meter; an
    /// endpoint, a route or the utility's own fields only when it fills them.
    func outcome(of view: BatchView, at index: Int, exceptions: [ScanException]) -> (blocked: Components, ready: Bool) {
        let blocked = Self.blocked(by: exceptions)
        var present: Components = [.account, .location, .servicePoint, .serviceAgreement, .meter]
        let cells = view.cells(ofRecordAt: index)
        for (cell, component) in optionalComponents where !cells[cell].isEmpty { present.formUnion(component) }
        return (blocked, !present.subtracting(blocked).isEmpty)
    }

    /// The earlier record of `register` with the same install date as `current`, if any; and
    /// `current` is remembered for the records after it.
    private mutating func occurrence(of register: Int32, on current: Occurrence) -> Occurrence? {
        let previous = last[Int(register)]
        last[Int(register)] = current
        if previous.day == Occurrence.never.day { return nil }
        if previous.day == current.day {
            last[Int(register)] = previous
            return previous
        }
        // A register with several install dates in one file: rare, so kept apart.
        func key(_ day: Int32) -> [UInt8] {
            withUnsafeBytes(of: (register, day)) { Array($0) }
        }
        key(previous.day).withUnsafeBufferPointer { bytes in
            let id = earlier.insert(bytes)
            if Int(id) == earlierOccurrences.count { earlierOccurrences.append(previous) }
        }
        guard let id = key(current.day).withUnsafeBufferPointer({ earlier.id(of: $0) }) else { return nil }
        last[Int(register)] = earlierOccurrences[Int(id)]
        return earlierOccurrences[Int(id)]
    }

    /// The first cell that this record and the earlier one both fill with different values.
    private func conflictingCell(_ row: RecordCells, with earlier: Occurrence) -> Int? {
        guard let cells = earlierRecord(earlier.byteOffset) else { return 0 }
        for cell in 0..<min(row.count, cells.count) {
            let now = row[cell]
            if !now.isEmpty && !cells[cell].isEmpty && !now.elementsEqual(cells[cell]) { return cell }
        }
        return nil
    }

}
