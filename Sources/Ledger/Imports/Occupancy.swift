import DataExchange

/// Which registers are at each service point and which endpoints on each register: where an
/// approval looks for the meter or endpoint that another one replaces (spec rule 14). The
/// entries are candidates, each checked against its entity's current fields before anything is
/// taken off: a register moved away since, or an endpoint swapped, is still listed here.
struct Occupancy {
    /// By service point key (`L1/001`): the keys of registers placed there.
    private var registersAt: [String: [String]] = [:]
    /// By register key (`M1:L`): the serial numbers of endpoints placed on it.
    private var endpointsOn: [String: [String]] = [:]

    mutating func place(register: String, at servicePoint: String) { registersAt[servicePoint, default: []].append(register) }
    mutating func place(endpoint: String, on register: String) { endpointsOn[register, default: []].append(endpoint) }

    func registers(at servicePoint: String) -> [String] { registersAt[servicePoint] ?? [] }
    func endpoints(on register: String) -> [String] { endpointsOn[register] ?? [] }

    /// The placements the state table's links record.
    static func load(from tables: any StateTables) throws -> Occupancy {
        var occupancy = Occupancy()
        try StateLink.forEachRegister(in: tables) { key, _, servicePoint, _ in
            if let servicePoint { occupancy.place(register: key, at: servicePoint.description) }
        }
        try StateLink.forEachEndpoint(in: tables) { key, register in
            if let register { occupancy.place(endpoint: key, on: register.description) }
        }
        return occupancy
    }
}
