/// The checks of one record that need nothing but the record: its shape, each cell's format and
/// length, keys, and the rules across its fields. Pure and `Sendable`, so that batches are checked
/// on another core while the next one is read.
struct RecordChecker: Sendable {
    /// The exceptions of a run of records, one array for all, with where each record's end.
    struct Results: Sendable {
        var exceptions: [ScanException] = []
        /// For each record, the index in `exceptions` after its last exception.
        var ends: [Int] = []
        /// For each record, its `RecordCells.digest`.
        var digests: [UInt64] = []

        func of(_ record: Int) -> ArraySlice<ScanException> {
            exceptions[(record == 0 ? 0 : ends[record - 1])..<ends[record]]
        }

        /// Adds the results of the records that follow.
        mutating func append(_ next: Results) {
            let offset = exceptions.count
            exceptions += next.exceptions
            ends += next.ends.map { $0 + offset }
            digests += next.digests
        }
    }

    let header: Header
    let context: ScanContext
    /// For each cell of a record, its rule.
    private let rules: [CellRule]
    private let columns: ColumnTable
    private let blockedByColumn: [Components]
    private let dateOrders: [(earlier: Int, later: Int, code: ExceptionCode)]
    private let limits: (low: Int, high: Int)?
    private let coordinates: [(latitude: Int, longitude: Int)]
    private let endpoint: (serial: Int, type: Int)?

    init(header: Header, context: ScanContext) {
        self.header = header
        self.context = context
        let specification = header.specification
        let requiredKeys = Set(specification.requiredKeyColumns)
        rules = header.columnOfCell.map { column in
            column.map { CellRule(specification.columns[$0], at: $0, isRequiredKey: requiredKeys.contains($0)) } ?? .ignored
        }
        columns = ColumnTable(specification)
        blockedByColumn = specification.columns.map(Self.blocked(byErrorIn:))
        func cell(_ name: String) -> Int? { header.cell(ofColumn: name) }
        func pair(_ a: String, _ b: String) -> (Int, Int)? { cell(a).flatMap { a in cell(b).map { (a, $0) } } }
        dateOrders = [
            ("Meter_Install_Date", "Meter_Removal_Date", ExceptionCode.removalBeforeInstall),
            ("Endpoint_Install_Date", "Endpoint_Removal_Date", .removalBeforeInstall),
            ("SA_Start_Date", "SA_End_Date", .endBeforeStart),
        ].compactMap { rule in pair(rule.0, rule.1).map { ($0.0, $0.1, rule.2) } }
        limits = pair("Low_Read_Limit", "High_Read_Limit")
        coordinates = [pair("Location_Latitude", "Location_Longitude"), pair("Service_Point_Latitude", "Service_Point_Longitude")]
            .compactMap { $0 }
        endpoint = pair("Endpoint_SN", "Endpoint_Type")
    }

    /// What an error in a column stops (spec rule 5): its component, or for the keys that place
    /// the register the whole record; an account's key also blocks the service agreement.
    static func blocked(byErrorIn column: ColumnSpecification) -> Components {
        guard column.requirement == .key else { return Components([column.component]) }
        switch column.component {
        case .location, .servicePoint, .meter: return .all
        case .account: return [.account, .serviceAgreement]
        default: return Components([column.component])
        }
    }

    func blocked(byErrorInCell cell: Int) -> Components {
        header.columnOfCell[cell].map { blockedByColumn[$0] } ?? []
    }

    func exception(
        _ code: ExceptionCode, _ record: RecordBatch.Record, cell: Int?, value: String?, message: String, blocked: Components? = nil
    ) -> ScanException {
        let column = cell.flatMap { header.columnOfCell[$0] }.map { header.specification.columns[$0].name }
        return ScanException(
            code, record: record.number, line: record.line, column: column, value: value, message: message,
            blocked: code.severity == .warning ? .nothing : .components(blocked ?? cell.map(self.blocked(byErrorInCell:)) ?? .all))
    }

    /// Checks the records of `batch` in `range`.
    func check(_ batch: RecordBatch, _ range: Range<Int>) -> Results {
        var results = Results()
        results.ends.reserveCapacity(range.count)
        results.digests.reserveCapacity(range.count)
        var flagged: [Int] = []
        batch.withView { view in
            rules.withUnsafeBufferPointer { rules in
                for index in range {
                    check(view, at: index, rules: rules, flagged: &flagged, into: &results.exceptions)
                    results.ends.append(results.exceptions.count)
                    results.digests.append(view.cells(ofRecordAt: index).digest)
                }
            }
        }
        return results
    }

    private func check(
        _ view: BatchView, at index: Int, rules: UnsafeBufferPointer<CellRule>, flagged: inout [Int], into exceptions: inout [ScanException]
    ) {
        let record = view.records[index]
        if record.flags.contains(.unterminatedQuote) {
            exceptions.append(exception(
                .unterminatedQuote, record, cell: nil, value: nil,
                message: "A quoted cell opened in record \(record.number) (line \(record.line)) never closes, so the rest of the file was read as one cell. Close the quote or remove it."))
            return
        }
        if record.cellCount != header.names.count {
            exceptions.append(exception(
                .raggedRecord, record, cell: nil, value: nil,
                message: "Record \(record.number) has \(record.cellCount) cells, the header \(header.names.count). Check for a missing or extra comma, or a comma inside an unquoted value."))
            return
        }
        if record.flags.contains(.strayQuote) {
            exceptions.append(exception(
                .strayQuote, record, cell: nil, value: nil,
                message: "Record \(record.number) has a quote inside an unquoted value or after a closing quote; it was read as text. Quote the whole value and double the quotes inside it."))
        }
        let cells = view.cells(ofRecordAt: index)
        func text(_ cell: Int) -> String { context.encoding.string(cells[cell]) }
        flagged.removeAll(keepingCapacity: true)
        for cell in 0..<rules.count where !rules[cell].isIgnored {
            let value = cells[cell]
            if value.isEmpty {
                if rules[cell].isRequiredKey {
                    let column = columns[rules[cell].index]
                    flagged.append(cell)
                    exceptions.append(exception(
                        .missingKey, record, cell: cell, value: "",
                        message: "\(column.name) is blank; every record needs it to say which \(column.component.rawValue.lowercased()) it describes."))
                }
                continue
            }
            if let problem = rules[cell].check(value, context: context, columns: columns) {
                let found = text(cell)
                flagged.append(cell)
                exceptions.append(exception(
                    problem.code, record, cell: cell, value: found, message: "\(columns[rules[cell].index].name) \"\(found.abbreviated)\" \(problem.detail)."))
            }
        }
        if let (serial, type) = endpoint, !cells[serial].isEmpty, cells[type].isEmpty, !flagged.contains(serial) {
            flagged.append(type)
            exceptions.append(exception(
                .endpointTypeMissing, record, cell: type, value: "",
                message: "Endpoint_Type is blank but Endpoint_SN is \"\(text(serial))\"; give the endpoint's type (\(columns[rules[type].index].values.joined(separator: ", ")))."))
        }
        for (earlier, later, code) in dateOrders where !flagged.contains(earlier) && !flagged.contains(later) {
            guard let start = ASCII.date(cells[earlier]).date, let end = ASCII.date(cells[later]).date, end < start else { continue }
            exceptions.append(exception(
                code, record, cell: later, value: text(later),
                message: "\(columns[rules[later].index].name) \(end) is before \(columns[rules[earlier].index].name) \(start); correct either date."))
        }
        if let (low, high) = limits, !flagged.contains(low), !flagged.contains(high),
            let lowValue = ASCII.decimal(cells[low], signed: true), let highValue = ASCII.decimal(cells[high], signed: true),
            lowValue > highValue {
            exceptions.append(exception(
                .lowAboveHigh, record, cell: low, value: text(low),
                message: "Low_Read_Limit \(text(low)) is above High_Read_Limit \(text(high)); the low limit must not exceed the high one."))
        }
        for (latitude, longitude) in coordinates where !flagged.contains(latitude) && !flagged.contains(longitude) {
            guard ASCII.decimal(cells[latitude], signed: true) == 0, ASCII.decimal(cells[longitude], signed: true) == 0 else { continue }
            exceptions.append(exception(
                .nullIsland, record, cell: latitude, value: text(latitude),
                message: "\(columns[rules[latitude].index].name) and \(columns[rules[longitude].index].name) are both 0, a placeholder rather than a place; give the real coordinates or leave both blank."))
        }
    }
}
