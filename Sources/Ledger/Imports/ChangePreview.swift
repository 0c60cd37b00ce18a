import Foundation

/// What an approval does to an entity, as the staff who approve it think of it.
public enum ChangeGroup: String, Sendable, Codable, CaseIterable {
    /// A location or service point the ledger has not seen before.
    case newService = "new-service"
    case meterInstalled = "meter-installed"
    /// A meter taken off its service point by another one placed there (spec rule 14).
    case meterChangeOut = "meter-change-out"
    case meterMoved = "meter-moved"
    case endpointInstalled = "endpoint-installed"
    /// An endpoint taken off its register by another one placed there (spec rule 14).
    case endpointSwapped = "endpoint-swapped"
    case endpointMoved = "endpoint-moved"
    case accountOpened = "account-opened"
    /// Another account's agreement at a service point: one closed, one opened.
    case accountChange = "account-change"
    /// An ID Update file's renames, and the links that follow them.
    case renamed = "renamed"
    case fieldsUpdated = "fields-updated"
    /// Values erased with `_CLEAR_`.
    case cleared = "cleared"

    /// The kind of entity the group counts: its other lines go with one of those (a new service's
    /// location and agreement with its service point; a new meter's route with its register).
    /// Renames count the entities renamed; field updates and erasures count by column.
    var subject: EntityKind? {
        switch self {
        case .newService: .servicePoint
        case .meterInstalled, .meterChangeOut, .meterMoved: .register
        case .endpointInstalled, .endpointSwapped, .endpointMoved: .endpoint
        case .accountOpened: .account
        case .accountChange: .serviceAgreement
        case .renamed, .fieldsUpdated, .cleared: nil
        }
    }

    /// How the count reads in a sentence: one, and more.
    var noun: (one: String, many: String) {
        switch self {
        case .newService: ("new service", "new services")
        case .meterInstalled: ("meter install", "meter installs")
        case .meterChangeOut: ("change-out", "change-outs")
        case .meterMoved: ("meter moved", "meters moved")
        case .endpointInstalled: ("endpoint install", "endpoint installs")
        case .endpointSwapped: ("endpoint swap", "endpoint swaps")
        case .endpointMoved: ("endpoint moved", "endpoints moved")
        case .accountOpened: ("account opened", "accounts opened")
        case .accountChange: ("account change", "account changes")
        case .renamed: ("rename", "renames")
        case .fieldsUpdated: ("field update", "field updates")
        case .cleared: ("field erased", "fields erased")
        }
    }

    /// What the group holds, for a page's filter and `ledger changes --help`.
    public var title: String {
        switch self {
        case .newService: "New service"
        case .meterInstalled: "Meter installed"
        case .meterChangeOut: "Meter change-out"
        case .meterMoved: "Meter moved"
        case .endpointInstalled: "Endpoint installed"
        case .endpointSwapped: "Endpoint swapped"
        case .endpointMoved: "Endpoint moved"
        case .accountOpened: "Account opened"
        case .accountChange: "Account change at a service point"
        case .renamed: "Renamed"
        case .fieldsUpdated: "Fields updated"
        case .cleared: "Erased with _CLEAR_"
        }
    }
}

/// How many of each kind of change an approval makes: the groups, the field updates and erasures
/// per column, and the records that change nothing or are held back by their errors.
public struct ChangeCounts: Sendable, Codable, Equatable {
    /// By group (`ChangeGroup` raw values): the group's `subject` entities (meters for the meter
    /// groups), or the entities renamed. Field updates and erasures are counted by column.
    public var groups: [String: Int] = [:]
    /// Field updates of entities the ledger holds already, by column.
    public var updatedColumns: [String: Int] = [:]
    /// Values erased with `_CLEAR_`, by column.
    public var clearedColumns: [String: Int] = [:]
    /// Ready records that change nothing.
    public var unchanged: Int = 0
    /// Records whose errors block all of them: nothing of them is imported.
    public var skipped: Int = 0
    /// Components of ready records that their errors block.
    public var blockedComponents: Int = 0
    /// Entity changes in all, one line each on the Changes page.
    public var lines: Int = 0

    public init() {}

    /// The group's count: its entities, or for field updates and erasures their sum over the columns.
    public func count(_ group: ChangeGroup) -> Int {
        switch group {
        case .fieldsUpdated: updatedColumns.values.reduce(0, +)
        case .cleared: clearedColumns.values.reduce(0, +)
        default: groups[group.rawValue] ?? 0
        }
    }

    /// One short sentence: "12 change-outs, 21 account changes, 1,204 field updates, 165,431 unchanged".
    public var sentence: String {
        var parts: [String] = []
        for group in ChangeGroup.allCases {
            let count = count(group)
            guard count > 0 else { continue }
            parts.append("\(Self.grouped(count)) \(count == 1 ? group.noun.one : group.noun.many)")
        }
        if parts.isEmpty { parts.append("no changes") }
        parts.append("\(Self.grouped(unchanged)) unchanged")
        if skipped > 0 { parts.append("\(Self.grouped(skipped)) skipped") }
        if blockedComponents > 0 { parts.append("\(Self.grouped(blockedComponents)) blocked component\(blockedComponents == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    /// A count with its thousands grouped, as the pages show counts.
    public static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return count < 0 ? "-" + out : out
    }
}

/// What the dry run worked out that the approval will change: the counts, and every entity's
/// change (`lines`, read with `ChangeSetReader`), which an approval against the same ledger applies.
public struct ChangePreview: Sendable, Codable, Equatable {
    public var counts: ChangeCounts
    public var lines: BlobReference
    /// The day that stands for a change-out's removal date where the record gives none: the
    /// import's day, which the approval keeps.
    public var day: String
}

/// One entity's change on the Changes page: what, where in the file, and each field's old and new value.
public struct ChangeLine: Sendable, Codable, Equatable {
    public var group: ChangeGroup
    public var kind: EntityKind
    public var entity: String
    public var record: Int
    public var line: Int
    /// The entity did not exist before.
    public var created: Bool
    /// The key it had before an ID Update renamed it.
    public var previousEntity: String?
    public var fields: [Field]

    public struct Field: Sendable, Codable, Equatable {
        public var column: String
        public var old: String?
        public var new: String?
    }
}

/// A page of an import's change lines, with how many lines the filters leave in all, and the
/// counts of the whole preview.
public struct ChangePage: Sendable, Codable {
    public var counts: ChangeCounts
    public var total: Int
    public var offset: Int
    public var lines: [ChangeLine]
}
