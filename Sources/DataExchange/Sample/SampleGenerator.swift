/// Writes realistic Data Exchange files for tests, benchmarks and demonstrations: the header from
/// the specification, one row per register of a deterministic sample utility. The same options
/// always give the same bytes; nothing is read from the clock or the system's random source.
public struct SampleGenerator: Sendable {
    public let options: SampleOptions
    private let specification: Specification
    let utility: SampleUtility
    let idUpdateSpecification: Specification
    /// For each `SampleField`, the index of its column in the specification, or -1.
    private let columnOfField: [Int]

    /// Output is handed on in chunks of about this size.
    static let chunkSize = 1 << 20
    private static let mebibyte = 1_048_576.0

    public init(options: SampleOptions, specification: Specification? = nil) throws {
        if let problem = options.problem { throw DataExchangeError(.invalidSampleOptions, problem) }
        self.options = options
        self.specification = try specification ?? Specification.bundled()
        idUpdateSpecification = try Specification.bundled(.idUpdate)
        utility = SampleUtility(seed: options.seed, compoundShare: options.compoundShare, changeShare: options.changeShare)
        let specification = self.specification
        columnOfField = SampleField.allCases.map { specification.index(of: $0.columnName) ?? -1 }
    }

    /// Writes the file to `output`, in large chunks.
    @discardableResult
    public func write(to output: ([UInt8]) throws -> Void) throws -> SampleSummary {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.chunkSize + 64 * 1024)
        var summary: SampleSummary
        if let renames = options.idUpdate {
            summary = try writeIDUpdate(renaming: renames, into: &buffer, output: output)
        } else {
            summary = try writeAccountsAndAssets(into: &buffer, output: output)
        }
        summary.bytes += buffer.count
        if !buffer.isEmpty { try output(buffer) }
        return summary
    }

    /// The whole file in memory, for tests.
    public func bytes() throws -> (bytes: [UInt8], summary: SampleSummary) {
        var bytes: [UInt8] = []
        let summary = try write { bytes.append(contentsOf: $0) }
        return (bytes, summary)
    }

    var lineEnd: String { options.quirks ? "\r\n" : "\n" }

    // MARK: Accounts and Assets

    private func writeAccountsAndAssets(into buffer: inout [UInt8], output: ([UInt8]) throws -> Void) throws -> SampleSummary {
        var summary = SampleSummary(kind: .accountsAndAssets, rows: 0, bytes: 0, mistakes: [:])
        if options.quirks { buffer.append(contentsOf: CSVFormat.byteOrderMark.utf8) }
        CSVFormat.appendLine(specification.columns.map(\.name), to: &buffer, lineEnd: lineEnd)
        let limit: Int? = if case .mebibytes(let size) = options.length { Int(size * Self.mebibyte) } else { nil }
        let rows: Int? = if case .rows(let rows) = options.length { rows } else { nil }
        var mistakes = SampleRandom(options.seed, UInt64(options.generation), 0xE4404)
        var cells = [String](repeating: "", count: specification.columns.count)
        var location = 0
        rendering: while rows.map({ summary.rows < $0 }) ?? true {
            var place = utility.location(location, generation: options.generation)
            if options.quirks { damage(&place) }
            for servicePoint in place.servicePoints {
                for register in servicePoint.meter.registers.indices {
                    if let rows, summary.rows >= rows { break rendering }
                    fill(&cells, place, servicePoint, register: register)
                    var mistake: SampleMistake?
                    if options.errorShare > 0 && mistakes.chance(options.errorShare) {
                        let chosen = mistakes.pick(SampleMistake.allCases)
                        let column = columnOfField[chosen.field.rawValue]
                        if column >= 0 {
                            cells[column] = chosen.value(installDay: servicePoint.meter.installDay, random: &mistakes)
                            mistake = chosen
                        }
                    }
                    let start = buffer.count
                    CSVFormat.appendLine(cells, to: &buffer, lineEnd: lineEnd)
                    if let limit, summary.bytes + buffer.count > limit {
                        // The row that would pass the size is left out, and with it its mistake.
                        buffer.removeSubrange(start...)
                        break rendering
                    }
                    summary.rows += 1
                    if let mistake { summary.mistakes[mistake, default: 0] += 1 }
                    if buffer.count >= Self.chunkSize {
                        try output(buffer)
                        summary.bytes += buffer.count
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            }
            location += 1
        }
        return summary
    }

    /// Sets the cells of one row: the register at `register` of the service point's meter.
    private func fill(_ cells: inout [String], _ location: SampleLocation, _ servicePoint: SampleLocation.ServicePoint, register: Int) {
        for index in cells.indices { cells[index] = "" }
        func set(_ field: SampleField, _ value: String) {
            let column = columnOfField[field.rawValue]
            if column >= 0 { cells[column] = value }
        }
        let account = location.account
        set(.accountID, account.id)
        set(.personID, account.personID)
        set(.accountFirstName, account.firstName)
        set(.accountLastName, account.lastName)
        set(.accountFullName, account.fullName)
        set(.accountEmail, account.email)
        set(.accountPhone, account.phone)
        set(.accountStatus, "A")
        set(.accountPortalStatus, account.portalStatus)
        set(.accountBillingCycle, account.billingCycle)
        set(.accountPaperless, account.paperless)
        set(.accountAutoPay, account.autoPay)
        set(.billingAddressLine1, account.billingLines[0])
        set(.billingAddressLine2, account.billingLines[1])
        set(.billingAddressLine3, account.billingLines[2])
        set(.billingCity, location.city.name)
        set(.billingState, location.city.state)
        set(.billingZip, location.postalCode)
        set(.billingCountry, location.city.country)
        set(.locationID, location.id)
        set(.locationName, location.name)
        set(.locationAddressParity, location.parity)
        set(.locationAddressLine1, location.addressLines[0])
        set(.locationAddressLine2, location.addressLines[1])
        set(.locationAddressLine3, location.addressLines[2])
        set(.locationCity, location.city.name)
        set(.locationState, location.city.state)
        set(.locationZip, location.postalCode)
        set(.locationCountyName, location.city.county)
        set(.locationCountry, location.city.country)
        set(.locationLatitude, location.latitude)
        set(.locationLongitude, location.longitude)
        set(.locationBuildingType, location.buildingType)
        set(.locationArea, location.area)
        set(.locationPopulation, location.population)
        set(.locationIrrigation, location.irrigation)
        set(.locationYearBuilt, location.yearBuilt)
        set(.locationPool, location.pool)
        set(.locationBathrooms, location.bathrooms)
        set(.locationParcelNumber, location.parcelNumber)
        set(.servicePointID, servicePoint.id)
        set(.servicePointType, servicePoint.type)
        set(.servicePointCycle, account.billingCycle)
        set(.servicePointRoute, servicePoint.route)
        set(.servicePointClassCode, servicePoint.classCode)
        set(.servicePointClassCodeNormalized, servicePoint.classCode)
        set(.servicePointTimezone, location.city.timeZone)
        set(.supplyZoneID, servicePoint.supplyZone)
        set(.serviceAgreementStartDate, account.startDate)
        let meter = servicePoint.meter
        set(.meterID, meter.id)
        set(.meterSN, meter.serialNumber)
        set(.meterManufacturer, meter.manufacturer)
        set(.meterModel, meter.model)
        set(.meterSize, meter.size)
        set(.meterSizeUnit, "IN")
        set(.meterContinuousFlow, meter.continuousFlow)
        set(.meterNote, meter.note)
        set(.meterInstallDate, meter.installDate)
        set(.meterInstallStartRead, meter.startRead)
        set(.fluidType, "WATER")
        set(.pitType, meter.pitType)
        set(.registerNumber, meter.registers[register])
        set(.registerUnitOfMeasure, meter.registerUnit)
        set(.registerResolution, meter.resolution)
        if let endpoint = meter.endpoints[register] {
            set(.endpointSN, endpoint.serialNumber)
            set(.endpointType, endpoint.type)
            set(.endpointInstallDate, endpoint.installDate)
        }
        set(.readSequence, servicePoint.readSequence)
        set(.alertCode, servicePoint.alertCode)
        set(.highReadLimit, servicePoint.highReadLimit)
        set(.lowReadLimit, "0")
        if let cleared = servicePoint.cleared, cleared.generation == options.generation { set(cleared.field, "_CLEAR_") }
    }

    /// What spreadsheets and hand edits do to cells: commas, quotes and line breaks inside values.
    /// Decided per location and service point, so that every row of an entity says the same.
    private func damage(_ location: inout SampleLocation) {
        var random = SampleRandom(options.seed, UInt64(location.index), 0x0DD)
        if random.chance(0.02) {
            location.addressLines[1] = "Unit 4, Building B"
            if location.account.billingLines[0] == location.addressLines[0] { location.account.billingLines[1] = location.addressLines[1] }
        }
        for position in location.servicePoints.indices where random.chance(0.01) {
            location.servicePoints[position].meter.note = "Behind the gate, \"beware of dog\",\nask for key"
        }
    }
}
