/// The rules of an ID Update file (spec "ID Update file"): columns in pairs `X` and `X_new`; each
/// record renames one account, location, service point or meter; the old ID must exist in the
/// ledger and the new one must not; no ID is renamed twice, and no two get one new ID.
struct RenameTracker: RecordTracker {
    /// One renamable kind of ID: its pair of cells, and for a service point the location's cell.
    struct Pair {
        var name: String
        var old: Int
        var new: Int
        var location: Int?
    }

    private let checker: RecordChecker
    private let ledger: any LedgerState
    private let pairs: [Pair]
    private var renamed: [String: Int] = [:]
    private var given: [String: Int] = [:]

    /// The pairs of the header, and the header's errors: half a pair, or a service point's pair
    /// without Location_ID.
    static func pairs(of header: Header) -> ([Pair], [ScanException]) {
        var pairs: [Pair] = [], exceptions: [ScanException] = []
        for column in header.specification.columns where !column.name.hasSuffix("_new") {
            let newName = column.name + "_new"
            let old = header.cell(ofColumn: column.name), new = header.cell(ofColumn: newName)
            switch (old, new) {
            case (let old?, let new?):
                if column.name == "Service_Point_ID" {
                    guard let location = header.cell(ofColumn: "Location_ID") else {
                        exceptions.append(ScanException(
                            .incompletePair, column: "Location_ID",
                            message: "The header renames service points but has no Location_ID column: a service point is known only within its location. Add Location_ID."))
                        continue
                    }
                    pairs.append(Pair(name: column.name, old: old, new: new, location: location))
                } else {
                    pairs.append(Pair(name: column.name, old: old, new: new))
                }
            case (_?, nil) where column.name != "Location_ID" || header.cell(ofColumn: "Service_Point_ID_new") == nil:
                exceptions.append(ScanException(
                    .incompletePair, column: newName,
                    message: "The header has \(column.name) without \(newName); an ID Update file gives each ID with its new one. Add \(newName)."))
            case (nil, _?):
                exceptions.append(ScanException(
                    .incompletePair, column: column.name,
                    message: "The header has \(newName) without \(column.name); say which ID each new one replaces. Add \(column.name)."))
            default:
                break
            }
        }
        return (pairs, exceptions)
    }

    init(checker: RecordChecker, ledger: any LedgerState, pairs: [Pair]) {
        self.checker = checker
        self.ledger = ledger
        self.pairs = pairs
    }

    mutating func track(_ view: BatchView, at index: Int, digest: UInt64, exceptions: inout [ScanException], from first: Int) {
        guard Self.blocked(by: exceptions[first...]).isEmpty else { return }
        let record = view.records[index]
        let row = view.cells(ofRecordAt: index)
        func text(_ cell: Int?) -> String { checker.context.encoding.string(row[optional: cell]) }
        func add(_ code: ExceptionCode, cell: Int?, value: String?, _ message: String) {
            exceptions.append(checker.exception(code, record, cell: cell, value: value, message: message, blocked: .all))
        }
        var filled: [Pair] = []
        let renamesAServicePoint = pairs.contains { $0.location != nil && !text($0.old).isEmpty && !text($0.new).isEmpty }
        for pair in pairs {
            let (old, new) = (text(pair.old), text(pair.new))
            // Location_ID alone scopes the service point that the record renames.
            if renamesAServicePoint, pairs.contains(where: { $0.location == pair.old }), new.isEmpty { continue }
            if old.isEmpty != new.isEmpty {
                let (blank, given) = old.isEmpty ? (pair.old, pair.new) : (pair.new, pair.old)
                add(.incompleteRename, cell: blank, value: "",
                    "\(checker.header.names[blank]) is blank but \(checker.header.names[given]) is \"\(text(given))\": give both, or neither.")
                return
            }
            if !old.isEmpty { filled.append(pair) }
        }
        guard filled.count == 1, let pair = filled.first else {
            add(.incompleteRename, cell: nil, value: nil,
                filled.isEmpty
                    ? "Record \(record.number) renames nothing: fill one pair of an ID and its new ID."
                    : "Record \(record.number) renames \(filled.count) IDs (\(filled.map(\.name).joined(separator: ", "))); each record renames one.")
            return
        }
        let (old, new) = (text(pair.old), text(pair.new))
        let location = text(pair.location)
        func exists(_ id: String) -> Bool {
            switch pair.name {
            case "Account_ID": ledger.hasAccount(id)
            case "Location_ID": ledger.hasLocation(id)
            case "Service_Point_ID": ledger.servicePoint(ServicePointKey(location: location, servicePoint: id)) != nil
            default: ledger.meter(id) != nil
            }
        }
        let scope = pair.location == nil ? pair.name : "\(pair.name) in location \(location)"
        if !exists(old) {
            add(.unknownID, cell: pair.old, value: old, "\(scope) \"\(old)\" is not in the ledger; there is nothing to rename. Check the old ID.")
        } else if exists(new) {
            add(.idTaken, cell: pair.new, value: new, "\(pair.name)_new \"\(new)\" already exists in the ledger; choose an ID that is not in use.")
        } else if let earlier = renamed["\(scope) \(old)"] {
            add(.duplicateRename, cell: pair.old, value: old, "\(scope) \"\(old)\" is also renamed in record \(earlier); rename it once.")
        } else if let earlier = given["\(scope) \(new)"] {
            add(.duplicateRename, cell: pair.new, value: new, "\(pair.name)_new \"\(new)\" is also the new ID in record \(earlier); give each its own.")
        } else {
            renamed["\(scope) \(old)"] = record.number
            given["\(scope) \(new)"] = record.number
        }
    }

    func outcome(of view: BatchView, at index: Int, exceptions: [ScanException]) -> (blocked: Components, ready: Bool) {
        let blocked = Self.blocked(by: exceptions)
        return (blocked, blocked.isEmpty)
    }
}
