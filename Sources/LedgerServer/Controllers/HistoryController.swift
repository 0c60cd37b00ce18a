import Foundation
import Hummingbird
import Ledger

/// The history of a register, meter, account, location or service point, and the audit trail:
/// as pages and as JSON, each "as of" a time or a log position.
struct HistoryController {
    let ledger: Ledger
    let pages: PageRenderer

    /// What a history search names: the kind of entity and its id as people write it.
    struct Search {
        static let kinds = ["register", "meter", "account", "location", "service-point"]
        var kind: String
        var id: String

        var subject: Ledger.Subject {
            get throws {
                switch kind {
                case "register": return .register(id)
                case "meter": return .meter(id)
                case "account": return .account(id)
                case "location": return .location(id)
                case "service-point":
                    let parts = id.split(separator: "/", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ServerError(.badRequest, "Name a service point as LOCATION/SERVICE_POINT.") }
                    return .servicePoint(location: parts[0], servicePoint: parts[1])
                default: throw ServerError(.badRequest, "Search a register, meter, account, location or service-point, not \(kind).")
                }
            }
        }
    }

    /// One change as the timeline shows it.
    /// One change as the timeline and `/v1/history` show it, ids written as everywhere else.
    struct TimelineLine: Encodable {
        struct Field: Encodable {
            var name: String
            var old: String
            var new: String
        }
        var position: Int64
        /// ISO 8601, for scripts.
        var recordedAt: String
        /// For people.
        var shownAt: String
        var byName: String
        var byEmail: String
        var importID: String
        var shortImportID: String
        var record: Int
        var line: Int
        var entity: String
        var key: String
        var created: Bool
        /// A configuration period: a service agreement or a route, which open and close.
        var isPeriod: Bool
        var fields: [Field]

        enum CodingKeys: String, CodingKey {
            case position, recordedAt, byName, byEmail, importID, record, line, entity, key, created, isPeriod, fields
        }

        init(_ entry: HistoryEntry) {
            position = entry.position
            recordedAt = ISO8601DateFormatter().string(from: entry.recordedAt)
            shownAt = DisplayTime.text(entry.recordedAt)
            byName = entry.byName
            byEmail = entry.byEmail
            importID = entry.importID.uuidString.lowercased()
            shortImportID = String(importID.prefix(8))
            record = entry.record
            line = entry.line
            entity = entry.kind.rawValue
            key = entry.key
            created = entry.created
            isPeriod = entry.kind == .serviceAgreement || entry.kind == .route
            fields = entry.fields.sorted { $0.key < $1.key }.map { Field(name: $0.key, old: $0.value.old ?? "", new: $0.value.new ?? "") }
        }
    }

    struct HistoryPage {
        struct Kind {
            var name: String
            var selected: Bool
        }
        var page: PageFrame
        var kinds: [Kind]
        var id: String
        var asOf: String
        var searched: Bool
        var lines: [TimelineLine]
    }

    struct AuditPage {
        var page: PageFrame
        var user: String
        var importID: String
        var entity: String
        var since: String
        var until: String
        var asOf: String
        var lines: [AuditLine]
    }

    struct AuditLine {
        var position: Int64
        var recordedAt: String
        var byName: String
        var byEmail: String
        var via: String
        var action: String
        var object: String
        var outcome: String
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("history") { request, context in
            _ = try context.require(.read)
            let query = request.uri.queryParameters
            let kind = query["kind"].map(String.init) ?? "register"
            let id = query["id"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            let asOf = query["asOf"].map(String.init) ?? ""
            let lines = id.isEmpty ? [] : try history(Search(kind: kind, id: id), asOf: asOf)
            return try pages.render("history", HistoryPage(
                page: PageFrame(title: "History", tab: "history", context: context),
                kinds: Search.kinds.map { HistoryPage.Kind(name: $0, selected: $0 == kind) }, id: id, asOf: asOf, searched: !id.isEmpty, lines: lines))
        }
        router.get("v1/history/{kind}/{id}") { request, context in
            _ = try context.require(.read)
            let search = Search(kind: try context.parameters.require("kind"), id: try context.parameters.require("id"))
            return try JSONResponse.encode(try history(search, asOf: request.uri.queryParameters["asOf"].map(String.init) ?? ""))
        }
        router.get("audit") { request, context in
            _ = try context.require(.read)
            let query = request.uri.queryParameters
            func value(_ name: String) -> String { query[Substring(name)].map(String.init) ?? "" }
            return try pages.render("audit", AuditPage(
                page: PageFrame(title: "Audit trail", tab: "audit", context: context), user: value("user"), importID: value("import"),
                entity: value("entity"), since: value("since"), until: value("until"), asOf: value("asOf"), lines: try audit(request).map(AuditLine.init)))
        }
        router.get("v1/audit") { request, context in
            _ = try context.require(.read)
            return try JSONResponse.encode(try audit(request))
        }
    }

    private func history(_ search: Search, asOf: String) throws -> [TimelineLine] {
        try ledger.history(of: try search.subject, asOf: try LogTime(asOf)?.position(in: ledger)).map(TimelineLine.init)
    }

    /// The audit trail filtered by `?user=&import=&entity=&since=&until=&asOf=&limit=`, newest first.
    private func audit(_ request: Request) throws -> [Ledger.AuditEntry] {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let importID = try value("import").map { try UUID(uuidString: $0) ?? ledger.importID($0) }
        let since = try value("since").map { try LogTime.date($0, endOfDay: false) }
        var until = try value("until").map { try LogTime.date($0, endOfDay: true) }
        var lastPosition = Int64.max
        switch try LogTime(value("asOf") ?? "") {
        case .position(let position)?: lastPosition = position
        case .date(let date)?: until = until.map { min($0, date) } ?? date
        case nil: break
        }
        let limit = min(Paging.largestLimit * 10, max(1, value("limit").flatMap(Int.init) ?? 1_000))
        let entity = value("entity")?.lowercased()
        let entries = try ledger.audit(user: value("user"), importID: importID, since: since, until: until, limit: entity == nil ? limit : 100_000)
        return Array(entries.reversed().filter { $0.position <= lastPosition && (entity == nil || $0.object.lowercased().contains(entity!)) }.prefix(limit))
    }
}

extension HistoryController.AuditLine {
    init(_ entry: Ledger.AuditEntry) {
        self.init(
            position: entry.position, recordedAt: DisplayTime.text(entry.recordedAt), byName: entry.byName, byEmail: entry.byEmail,
            via: entry.via.uppercased(), action: entry.action, object: entry.object, outcome: entry.outcome)
    }
}

/// "As of": a log position, a date (its end) or an ISO 8601 time, as the command line's `--as-of`.
enum LogTime {
    case position(Int64)
    case date(Date)

    /// Nil for a blank text: now.
    init?(_ text: String) throws {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        if let position = Int64(text), position >= 0 {
            self = .position(position)
        } else {
            self = .date(try Self.date(text, endOfDay: true))
        }
    }

    func position(in ledger: Ledger) throws -> Int64 {
        switch self {
        case .position(let position): position
        case .date(let date): try ledger.position(asOf: date)
        }
    }

    /// An ISO 8601 time, or a date: its start, or with `endOfDay` its end. 400 for anything else.
    static func date(_ text: String, endOfDay: Bool) throws -> Date {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        guard let date = day.date(from: text) else {
            throw ServerError(.badRequest, "\(text) is neither a log position, a date YYYY-MM-DD nor an ISO 8601 time.")
        }
        return endOfDay ? date.addingTimeInterval(86_399.999) : date
    }
}
