/// A sample utility: an endless, deterministic street of locations. Location `n` of a seed is the
/// same whatever the size of the file, and generation `g` is generation `g - 1` with about
/// `change` of its service configurations changed, each decided by a random stream of its own, so
/// that two generations differ only where something happened.
struct SampleUtility: Sendable {
    /// The kinds of change a later export carries.
    enum Change: CaseIterable {
        case moveOutMoveIn, meterChangeOut, endpointSwap, fieldEdit, clearedField
    }

    let seed: UInt64
    let compoundShare: Double
    let changeShare: Double
    /// Moves every ID of this seed's utility, so that two seeds are two utilities with other IDs.
    let salt: Int

    init(seed: UInt64, compoundShare: Double, changeShare: Double) {
        self.seed = seed
        self.compoundShare = compoundShare
        self.changeShare = changeShare
        var random = SampleRandom(seed, 0x5A17)
        salt = Int(random.next() >> 2)
    }

    /// Keeps the counters behind IDs unique across generations (a location's number is below it).
    static let locationsPerGeneration = 1 << 22
    /// Generations beyond this would wrap the counters that keep IDs unique.
    static let maximumGeneration = 200

    private static let firstDay = CalendarDate(year: 2005, month: 1, day: 1)!.dayNumber
    private static let firstAgreementDay = CalendarDate(year: 2010, month: 1, day: 1)!.dayNumber
    /// Generation 1 was exported on this day, each later one two days after the one before:
    /// every date stays in the past.
    private static let firstExportDay = CalendarDate(year: 2025, month: 1, day: 6)!.dayNumber

    static func exportDay(of generation: Int) -> Int { firstExportDay + 2 * (generation - 1) }

    /// Location `index` as generation `generation` exports it.
    func location(_ index: Int, generation: Int) -> SampleLocation {
        var location = firstLocation(index)
        for later in stride(from: 1, through: generation, by: 1) { evolve(&location, in: later) }
        return location
    }

    // MARK: Generation 0

    private func firstLocation(_ index: Int) -> SampleLocation {
        var random = SampleRandom(seed, 0, UInt64(index))
        let city = random.pick(SampleCatalog.cities)
        let isBusiness = random.chance(0.12)
        let number = random.int(1...9999)
        let street = "\(number) \(random.pick(SampleCatalog.streets)) \(random.pick(SampleCatalog.streetSuffixes))"
        let unit = random.chance(0.15) ? (isBusiness ? "Suite \(random.int(100...450))" : "Unit \(random.int(1...40))") : ""
        let postalCode = random.pick(city.postalCodes)
        let latitude = city.latitude + random.int(-80_000...80_000)
        let longitude = city.longitude + random.int(-80_000...80_000)
        let buildingType = isBusiness
            ? random.pick(Array(SampleCatalog.buildingTypes.dropFirst(4))) : random.pick(Array(SampleCatalog.buildingTypes.prefix(5)))
        var location = SampleLocation(
            index: index, id: "L\(Self.padded(scrambled(index, modulo: 100_000_000), 8))", name: isBusiness ? random.pick(SampleCatalog.businesses) : "",
            parity: number % 2 == 0 ? "E" : "O", addressLines: [street, unit, ""], city: city, postalCode: postalCode,
            latitude: Self.degrees(latitude), longitude: Self.degrees(longitude), buildingType: buildingType,
            yearBuilt: String(random.int(1900...2024)), pool: random.chance(0.12) ? "Y" : "N", irrigation: random.chance(0.3) ? "Y" : "N",
            population: isBusiness ? "" : String(random.int(1...8)), bathrooms: String(random.int(1...4)),
            area: String(random.int(8...120) * 100),
            parcelNumber: "\(random.int(100...999))-\(random.int(10...99))-\(random.int(100...999))\(random.pick(["", "A", "B"]))",
            account: account(counter: index, random: &random, isBusiness: isBusiness, city: city, addressLines: [street, unit, ""],
                             postalCode: postalCode, startDay: Self.firstAgreementDay + random.int(0...5_400)),
            servicePoints: [])
        let count = random.pick([1, 1, 1, 1, 2, 3])
        for ordinal in 1...count {
            let type = ordinal == 1 ? (isBusiness && random.chance(0.2) ? "F" : "W") : random.pick(["I", "I", "F", "R", "S"])
            let meter = meter(
                counter: Self.meterCounter(generation: 0, location: index, servicePoint: ordinal), type: type,
                compound: random.chance(compoundShare), installDay: Self.firstDay + random.int(0...7_300), random: &random)
            location.servicePoints.append(SampleLocation.ServicePoint(
                id: Self.padded(ordinal, 3), type: type, route: "R\(Self.padded(random.int(1...300), 3))",
                classCode: type == "I" ? "IRR" : type == "F" ? "FIRE" : isBusiness ? random.pick(["COM", "IND", "GOV", "MF"]) : "RES",
                readSequence: String(random.int(1...9999)), highReadLimit: String(random.int(50...999) * 100),
                alertCode: random.chance(0.05) ? Self.padded(random.int(1...99), 2) : "",
                supplyZone: random.chance(0.4) ? "DMA-\(Self.padded(random.int(1...40), 2))" : "", meter: meter))
        }
        return location
    }

    private func account(
        counter: Int, random: inout SampleRandom, isBusiness: Bool, city: SampleCatalog.City, addressLines: [String],
        postalCode: String, startDay: Int
    ) -> SampleLocation.Account {
        let first = random.pick(SampleCatalog.firstNames), last = random.pick(SampleCatalog.lastNames)
        let fullName = isBusiness ? random.pick(SampleCatalog.businesses) : "\(first) \(last)"
        let mailbox = "\(Self.folded(first)).\(Self.folded(last))\(random.int(1...999))"
        let billingLines = random.chance(0.8) ? addressLines : ["PO Box \(random.int(1...9999))", "", ""]
        return SampleLocation.Account(
            id: "\(Self.padded(scrambled(counter, modulo: 1_000_000_000), 9))-\(Self.padded(random.int(0...99), 2))",
            counter: counter, personID: "P\(random.int(1_000_000...9_999_999))",
            firstName: isBusiness ? "" : first, lastName: isBusiness ? "" : last, fullName: fullName,
            email: random.chance(0.7) ? "\(mailbox)@\(random.pick(["example.com", "example.net", "mail.example.org"]))" : "",
            phone: Self.phone(&random), portalStatus: random.chance(0.4) ? "Y" : "N", billingCycle: "C\(Self.padded(random.int(1...20), 2))",
            paperless: random.chance(0.35) ? "Y" : "N", autoPay: random.chance(0.45) ? "Y" : "N", billingLines: billingLines,
            startDate: CalendarDate(dayNumber: startDay).description)
    }

    private func meter(counter: Int, type: String, compound: Bool, installDay: Int, random: inout SampleRandom) -> SampleLocation.Meter {
        let maker = random.pick(SampleCatalog.makers)
        let digits = Self.padded(scrambled(counter, modulo: 10_000_000_000), 10)
        let registers = compound ? ["L", "H"] : [""]
        let manual = random.chance(0.07)
        let installDate = CalendarDate(dayNumber: installDay).description
        let endpoints = registers.indices.map { register in
            manual ? nil : endpoint(counter: counter * 2 + register, installDate: installDate, random: &random)
        }
        return SampleLocation.Meter(
            id: maker.prefix + digits, counter: counter, serialNumber: digits, manufacturer: maker.name,
            model: random.pick(compound ? maker.compoundModels : maker.models),
            size: random.pick(compound || type == "F" ? SampleCatalog.largeSizes : SampleCatalog.residentialSizes),
            continuousFlow: type == "F" || random.chance(0.08) ? "Y" : "N", note: random.pick(SampleCatalog.meterNotes),
            installDay: installDay, installDate: installDate, startRead: String(random.int(0...50)),
            pitType: random.pick(SampleCatalog.pitTypes), registerUnit: random.pick(SampleCatalog.registerUnits),
            resolution: random.pick(SampleCatalog.resolutions), registers: registers, endpoints: endpoints)
    }

    private func endpoint(counter: Int, installDate: String, random: inout SampleRandom) -> SampleLocation.Endpoint {
        SampleLocation.Endpoint(
            serialNumber: Self.padded(scrambled(counter, modulo: 10_000_000_000), 10), type: random.pick(SampleCatalog.endpointTypes),
            installDate: installDate)
    }

    // MARK: Later generations

    private func evolve(_ location: inout SampleLocation, in generation: Int) {
        let day = Self.exportDay(of: generation)
        let date = CalendarDate(dayNumber: day).description
        for position in location.servicePoints.indices {
            var random = SampleRandom(seed, UInt64(generation), UInt64(location.index), UInt64(position))
            guard random.chance(changeShare) else { continue }
            let ordinal = position + 1
            switch random.pick([Change.moveOutMoveIn, .meterChangeOut, .endpointSwap, .fieldEdit, .fieldEdit, .clearedField]) {
            case .moveOutMoveIn:
                // The occupant of the whole location moves out; whoever moves in has an account of their own.
                var accountRandom = SampleRandom(seed, UInt64(generation), UInt64(location.index), 0xACC)
                location.account = account(
                    counter: generation * Self.locationsPerGeneration + location.index, random: &accountRandom,
                    isBusiness: !location.name.isEmpty, city: location.city, addressLines: location.addressLines,
                    postalCode: location.postalCode, startDay: day)
            case .meterChangeOut:
                let old = location.servicePoints[position]
                location.servicePoints[position].meter = meter(
                    counter: Self.meterCounter(generation: generation, location: location.index, servicePoint: ordinal), type: old.type,
                    compound: old.meter.registers.count == 2, installDay: day, random: &random)
            case .endpointSwap:
                let counter = Self.meterCounter(generation: generation, location: location.index, servicePoint: ordinal)
                location.servicePoints[position].meter.endpoints = location.servicePoints[position].meter.registers.indices.map {
                    endpoint(counter: counter * 2 + $0, installDate: date, random: &random)
                }
            case .fieldEdit:
                location.account.phone = Self.phone(&random)
                location.servicePoints[position].route = "R\(Self.padded(random.int(1...300), 3))"
                location.servicePoints[position].readSequence = String(random.int(1...9999))
            case .clearedField:
                // Route data dropped by the CIS: the new export erases what the old one said.
                if random.chance(0.5) {
                    location.servicePoints[position].classCode = ""
                    location.servicePoints[position].cleared = (.servicePointClassCode, generation)
                } else {
                    location.servicePoints[position].readSequence = ""
                    location.servicePoints[position].cleared = (.readSequence, generation)
                }
            }
        }
    }

    // MARK: Text

    /// What a meter's ID and its endpoints' serial numbers are made from: unique for each
    /// generation, location and service point.
    static func meterCounter(generation: Int, location: Int, servicePoint: Int) -> Int {
        (generation * locationsPerGeneration + location) * 4 + servicePoint
    }

    /// `value` moved to another place in 0..<modulo, one to one (a multiplier prime to 10, then
    /// this seed's offset), so that consecutive counters give IDs that look like serial numbers
    /// yet never repeat. Each modulus has its own multiplier, so that an account's and a meter's
    /// numbers made from the same counter do not share their last digits.
    func scrambled(_ value: Int, modulo: Int) -> Int {
        let multiplier: UInt64 = switch modulo.trailingZeroBitCount {
        case 8: 2_654_435_761
        case 9: 6_364_136_223
        case 10: 1_442_695_041
        default: 7_919_393_137
        }
        let (high, low) = UInt64(value % modulo).multipliedFullWidth(by: multiplier)
        let (_, remainder) = UInt64(modulo).dividingFullWidth((high, low))
        var offset = SampleRandom(UInt64(salt), UInt64(modulo))
        return (Int(remainder) + Int(offset.next() % UInt64(modulo))) % modulo
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Millionths of a degree as decimal degrees with six places.
    static func degrees(_ millionths: Int) -> String {
        let sign = millionths < 0 ? "-" : ""
        let magnitude = abs(millionths)
        return "\(sign)\(magnitude / 1_000_000).\(padded(magnitude % 1_000_000, 6))"
    }

    static func phone(_ random: inout SampleRandom) -> String {
        "(\(random.int(201...989))) \(random.int(200...999))-\(padded(random.int(0...9999), 4))"
    }

    /// A name as it appears in an e-mail address: lower case, without accents or apostrophes.
    static func folded(_ name: String) -> String {
        let plain: [Character: String] = ["á": "a", "é": "e", "ë": "e", "í": "i", "ó": "o", "ü": "u", "'": ""]
        return name.lowercased().map { plain[$0] ?? String($0) }.joined()
    }
}
