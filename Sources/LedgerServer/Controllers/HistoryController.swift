import Foundation
import Hummingbird
import Ledger

/// The history of a register, meter, account, location or service point, and the audit trail:
/// as pages and as JSON, each "as of" a time or a log position.
struct HistoryController {
    let ledger: ServedLedger
    let pages: PageRenderer

    /// What a history search names: the kind of entity and its id as people write it.
    struct Search {
        var kind: String
        var id: String

        var subject: Ledger.Subject {
            get throws {
                guard let subject = Ledger.Subject(kind: kind, id: id) else {
                    throw ServerError(
                        .badRequest,
                        "Search a \(Ledger.Subject.kinds.joined(separator: ", ")) by its ID (a service point as LOCATION/SERVICE_POINT), not \(kind) \"\(id)\".")
                }
                return subject
            }
        }
    }

    /// One change as the timeline shows it: what `/v1/history` gives, and its time for people.
    struct TimelineLine {
        var change: HistoryReport.Change
        var shownAt: String
        var shortImportID: String

        init(_ change: HistoryReport.Change, at date: Date) {
            self.change = change
            shownAt = DisplayTime.text(date)
            shortImportID = String(change.importID.prefix(8))
        }
    }

    /// A configuration period as the page shows it: what `/v1/history` gives, and its times for people.
    struct PeriodLine {
        var period: HistoryReport.Period
        var shownFrom: String
        var shownUntil: String
        var fieldDates: String

        init(_ period: ConfigurationPeriod) {
            self.period = HistoryReport.Period(period)
            fieldDates = period.fieldDates ?? "not given"
            shownFrom = DisplayTime.text(period.from)
            shownUntil = period.until.map(DisplayTime.text) ?? "now"
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
        var periods: [PeriodLine]
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
            let (found, periods) = id.isEmpty ? ([], []) : try await history(Search(kind: kind, id: id), asOf: asOf)
            return try pages.render("history", HistoryPage(
                page: PageFrame(title: "History", tab: "history", context: context),
                kinds: Ledger.Subject.kinds.map { HistoryPage.Kind(name: $0, selected: $0 == kind) }, id: id, asOf: asOf, searched: !id.isEmpty,
                lines: found.map { TimelineLine(HistoryReport.Change($0), at: $0.recordedAt) },
                periods: periods.map(PeriodLine.init)))
        }
        // The id is the rest of the path: a service point's is its location, a slash, and itself.
        router.get("v1/history/{kind}/**") { request, context in
            _ = try context.require(.read)
            let id = context.parameters.getCatchAll().joined(separator: "/")
            let search = Search(kind: try context.parameters.require("kind"), id: id)
            let (entries, periods) = try await history(search, asOf: request.uri.queryParameters["asOf"].map(String.init) ?? "")
            return try JSONResponse.encode(HistoryReport(entries, periods: periods))
        }
        router.get("audit") { request, context in
            _ = try context.require(.read)
            let query = request.uri.queryParameters
            func value(_ name: String) -> String { query[Substring(name)].map(String.init) ?? "" }
            return try pages.render("audit", AuditPage(
                page: PageFrame(title: "Audit trail", tab: "audit", context: context), user: value("user"), importID: value("import"),
                entity: value("entity"), since: value("since"), until: value("until"), asOf: value("asOf"), lines: try await audit(request).map(AuditLine.init)))
        }
        router.get("v1/audit") { request, context in
            _ = try context.require(.read)
            return try JSONResponse.encode(try await audit(request))
        }
    }

    /// A search's changes and configuration periods.
    private func history(_ search: Search, asOf: String) async throws -> ([HistoryEntry], [ConfigurationPeriod]) {
        let subject = try search.subject
        return try await ledger.run { ledger in
            let position = try Self.position(asOf: asOf, in: ledger)
            let entries = try ledger.history(of: subject, asOf: position)
            return (entries, try ledger.periods(of: subject, in: entries, asOf: position))
        }
    }

    /// The log position an "as of" field names; nil when it is blank (now), 400 when it is not one.
    static func position(asOf text: String, in ledger: Ledger) throws -> Int64? {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let asOf = AsOf.parse(text) else { throw ServerError(.badRequest, "\(text) is neither a log position, a date YYYY-MM-DD nor an ISO 8601 time.") }
        return try asOf.position(in: ledger)
    }

    /// A date or an ISO 8601 time; 400 for anything else.
    static func date(_ text: String, endOfDay: Bool) throws -> Date {
        guard let date = AsOf.time(text, endOfDay: endOfDay) else { throw ServerError(.badRequest, "\(text) is neither a date YYYY-MM-DD nor an ISO 8601 time.") }
        return date
    }

    /// The audit trail filtered by `?user=&import=&entity=&since=&until=&asOf=&limit=`, newest first.
    private func audit(_ request: Request) async throws -> [Ledger.AuditEntry] {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let (user, importText, asOf) = (value("user"), value("import"), value("asOf") ?? "")
        let since = try value("since").map { try Self.date($0, endOfDay: false) }
        let until = try value("until").map { try Self.date($0, endOfDay: true) }
        let entity = try value("entity").map { text in
            guard let subject = Ledger.Subject(text) else {
                throw ServerError(.badRequest, "Name the entity as KIND:ID, KIND one of \(Ledger.Subject.kinds.joined(separator: ", ")): meter:BA12345678.")
            }
            return subject
        }
        let limit = min(Paging.largestLimit * 10, max(1, value("limit").flatMap(Int.init) ?? 1_000))
        return try await ledger.run { ledger in
            let importID = try importText.map { try UUID(uuidString: $0) ?? ledger.importID($0) }
            let lastPosition = try Self.position(asOf: asOf, in: ledger) ?? .max
            let entries = try ledger.audit(user: user, importID: importID, since: since, until: until, entity: entity, limit: 100_000)
            return Array(entries.reversed().filter { $0.position <= lastPosition }.prefix(limit))
        }
    }
}

extension HistoryController.AuditLine {
    init(_ entry: Ledger.AuditEntry) {
        self.init(
            position: entry.position, recordedAt: DisplayTime.text(entry.recordedAt), byName: entry.byName, byEmail: entry.byEmail,
            via: entry.via.uppercased(), action: entry.action, object: entry.object, outcome: entry.outcome)
    }
}
