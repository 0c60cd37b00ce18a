import DataExchange
import Foundation

extension CurrentState {
    /// The state as a Data Exchange file: one record per register, every column of the
    /// specification in its order. Importing it back changes nothing.
    public func dataExchangeFile(specification: Specification) -> (text: String, records: Int) {
        let names = specification.columns.map(\.name)
        var text = CSVFormat.line(names)
        var records = 0
        var endpointOf: [String: (serial: String, fields: [String: String])] = [:]
        for (serial, fields) in entities[.endpoint] ?? [:] {
            if let meter = fields["Meter_ID"] {
                endpointOf[RegisterKey(meter: meter, register: fields["Register_Number"] ?? "").description] = (serial, fields)
            }
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
}
