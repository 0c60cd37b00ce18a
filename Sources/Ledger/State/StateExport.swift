import DataExchange
import Foundation

extension CurrentState {
    /// The state as a Data Exchange file: one record per register, every column of the
    /// specification in its order. Importing it back changes nothing.
    public func dataExchangeFile(specification: Specification) -> (text: String, records: Int) {
        let names = specification.columns.map(\.name)
        var text = CSVFormat.line(names)
        var records = 0
        // A register that endpoints were swapped on is named by each of them (decision 12): its
        // row takes the one in place, whichever order the dictionary gives them in.
        var endpointOf: [String: (serial: String, fields: [String: String])] = [:]
        for (serial, fields) in entities[.endpoint] ?? [:] {
            guard let meter = fields["Meter_ID"] else { continue }
            let register = RegisterKey(meter: meter, register: fields["Register_Number"] ?? "").description
            if let other = endpointOf[register], !Self.isInPlace((serial, fields), over: other) { continue }
            endpointOf[register] = (serial, fields)
        }
        for (key, register) in (entities[.register] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let location = register["Location_ID"], let point = register["Service_Point_ID"] else { continue }
            let servicePoint = ServicePointKey(location: location, servicePoint: point).description
            let agreement = fields(.serviceAgreement, servicePoint) ?? [:]
            let registerKey = RegisterKey(key: key)
            var row: [String: String] = ["Meter_ID": registerKey.meter, "Register_Number": registerKey.register, "Location_ID": location, "Service_Point_ID": point]
            let account = agreement["Account_ID"]
            row["Account_ID"] = account
            let parts: [[String: String]?] = [
                register.filter { !["Location_ID", "Service_Point_ID"].contains($0.key) }, fields(.location, location), fields(.servicePoint, servicePoint),
                agreement.filter { $0.key != "Account_ID" }, account.flatMap { fields(.account, $0) }, fields(.route, key), fields(.other, key),
            ]
            for part in parts.compactMap({ $0 }) { row.merge(part) { current, _ in current } }
            if let endpoint = endpointOf[key] {
                row["Endpoint_SN"] = endpoint.serial
                row.merge(endpoint.fields.filter { !["Meter_ID", "Register_Number"].contains($0.key) }) { current, _ in current }
            }
            text += CSVFormat.line(names.map { row[$0] ?? "" })
            records += 1
        }
        return (text, records)
    }

    /// Of two endpoints on one register, whether `endpoint` is the one in place rather than
    /// `other`: one not removed, then the later install date (a date the ledger stores as
    /// YYYY-MM-DD, so in the order of its text), then the serial number, so that the choice is
    /// the same every time.
    static func isInPlace(_ endpoint: (serial: String, fields: [String: String]), over other: (serial: String, fields: [String: String])) -> Bool {
        func order(_ endpoint: (serial: String, fields: [String: String])) -> (Int, String, String) {
            (endpoint.fields["Endpoint_Removal_Date"] == nil ? 1 : 0, endpoint.fields["Endpoint_Install_Date"] ?? "", endpoint.serial)
        }
        return order(endpoint) > order(other)
    }
}
