extension SampleGenerator {
    /// An ID Update file renaming `count` entities of the utility that the same options describe:
    /// accounts, locations, meters and service points in turn, one entity per location so that
    /// no two renames touch each other. New IDs have forms the utility's IDs never take, so they
    /// cannot be taken already.
    func writeIDUpdate(renaming count: Int, into buffer: inout [UInt8], output: ([UInt8]) throws -> Void) throws -> SampleSummary {
        let places = presentLocations()
        guard count <= places.count else {
            throw DataExchangeError(
                .invalidSampleOptions,
                "--id-update renames one entity per location; the utility of these options has \(places.count) locations. Give more --rows.")
        }
        let columns = idUpdateSpecification.columns.map(\.name)
        func column(_ name: String) -> Int? { columns.firstIndex(of: name) }
        if options.quirks { buffer.append(contentsOf: CSVFormat.byteOrderMark.utf8) }
        CSVFormat.appendLine(columns, to: &buffer, lineEnd: lineEnd)
        // Renames spread over the utility rather than its first streets: a stride coprime with the count.
        let step = [7_919, 104_729, 1_299_709, 15_485_863].first { places.count % $0 != 0 } ?? 1
        var random = SampleRandom(options.seed, UInt64(options.generation), 0x1D)
        let start = places.isEmpty ? 0 : random.int(0...places.count - 1)
        var summary = SampleSummary(kind: .idUpdate, rows: 0, bytes: 0, mistakes: [:])
        for rename in 0..<count {
            let (place, reached) = places[(start + rename * step) % places.count]
            let servicePoint = place.servicePoints[(rename / 4) % reached]
            var cells = [String](repeating: "", count: columns.count)
            func set(_ name: String, _ value: String) { if let index = column(name) { cells[index] = value } }
            switch rename % 4 {
            case 0:
                set("Account_ID", place.account.id)
                set("Account_ID_new", SampleUtility.padded(utility.scrambled(place.account.counter, modulo: 10_000_000_000), 10))
            case 1:
                set("Location_ID", place.id)
                set("Location_ID_new", "LOC-\(SampleUtility.padded(place.index + 1, 7))")
            case 2:
                set("Meter_ID", servicePoint.meter.id)
                set("Meter_ID_new", "M\(SampleUtility.padded(utility.scrambled(servicePoint.meter.counter, modulo: 100_000_000_000), 11))")
            default:
                // A service point is only unique within its location, which the row names.
                set("Location_ID", place.id)
                set("Service_Point_ID", servicePoint.id)
                set("Service_Point_ID_new", "P\(servicePoint.id)")
            }
            CSVFormat.appendLine(cells, to: &buffer, lineEnd: lineEnd)
            summary.rows += 1
            if buffer.count >= Self.chunkSize {
                try output(buffer)
                summary.bytes += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        return summary
    }

    /// The locations of the Accounts and Assets file of `--rows` rows, each with how many of its
    /// service points the file reaches.
    private func presentLocations() -> [(location: SampleLocation, servicePoints: Int)] {
        guard case .rows(var remaining) = options.length else { return [] }
        var places: [(location: SampleLocation, servicePoints: Int)] = []
        while remaining > 0 {
            let place = utility.location(places.count, generation: options.generation)
            var reached = 0
            for servicePoint in place.servicePoints where remaining > 0 {
                reached += 1
                remaining -= servicePoint.meter.registers.count
            }
            places.append((place, reached))
        }
        return places
    }
}
