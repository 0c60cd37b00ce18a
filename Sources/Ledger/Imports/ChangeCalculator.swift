import Foundation
import DataExchange

/// Follows an approved file record by record, in file order, and works out what each changes
/// (spec "Import behaviour"): a blank keeps the stored value, `_CLEAR_` erases it, an equal value
/// changes nothing, and a component that errors block is skipped.
struct ChangeCalculator {
    private(set) var state: CurrentState
    /// The entities the file changed, for the projection to write once each at the end.
    private(set) var touched: Set<EntityKey> = []
    private(set) var imported = 0
    private(set) var unchanged = 0
    private(set) var skipped = 0
    let importID: UUID
    /// Each kind's columns in the file, with the cell that holds them.
    private var columns: [EntityKind: [(column: ColumnSpecification, cell: Int)]] = [:]

    init(state: CurrentState, importID: UUID) {
        self.state = state
        self.importID = importID
    }

    mutating func read(_ header: Header) {
        for kind in EntityKind.allCases {
            columns[kind] = header.specification.columns.enumerated().compactMap { index, column in
                guard let cell = header.cellOfColumn[index], column.component == kind.component, !EntityKind.keyColumns.contains(column.name)
                else { return nil }
                return (column, cell)
            }
        }
    }

    /// What the record changes, applied to the state; nil when it changes nothing.
    mutating func changes(of record: ScannedRecord) -> RecordApplied? {
        guard record.isReady else {
            skipped += 1
            return nil
        }
        var changes: [EntityChange] = []
        let identity = RecordIdentity(record)
        for kind in EntityKind.allCases where !record.blocked.contains(kind.component) {
            guard let key = kind.key(in: identity) else { continue }
            let current = state.fields(kind, key)
            var fields: [String: FieldChange] = [:]
            let values = (columns[kind] ?? []).map { ($0.column.name, $0.column.storedValue(record.value(inCell: $0.cell))) } + kind.relations(in: identity)
            for (name, value) in values where !value.isEmpty {
                let old = current?[name]
                let new: String? = value == "_CLEAR_" ? nil : value
                if old != new { fields[name] = FieldChange(old: old, new: new) }
            }
            // Every record places an account, a location, a service point and a register, and an
            // endpoint when it names one; a route or the utility's fields exist once filled.
            let alwaysThere = kind != .route && kind != .other
            guard !fields.isEmpty || (current == nil && alwaysThere) else { continue }
            let change = EntityChange(kind: kind, key: key, created: current == nil, fields: fields)
            state.apply(change)
            touched.insert(EntityKey(kind: kind, key: key))
            changes.append(change)
        }
        if changes.isEmpty {
            unchanged += 1
            return nil
        }
        imported += 1
        return RecordApplied(importID: importID, record: record.number, line: record.line, changes: changes)
    }
}

