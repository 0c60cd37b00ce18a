import DataExchange
import Foundation
import Hummingbird
import Ledger

/// The import API (the shape of the established Data Exchange Import API) and the Activity List
/// as JSON. The page's script calls the same routes with its session and CSRF token; a CIS calls
/// them with basic authentication, and its imports are marked API.
struct ImportController {
    let ledger: ServedLedger
    let jobs: ImportJobs
    let receiver: UploadReceiver
    let reports: ExceptionReportIndexes

    struct Started: Encodable {
        var bdeUUID: String
        var statusUrl: String
    }

    struct ApprovalRequest: Decodable {
        var bdeUUID: String
    }

    struct RevertRequest: Decodable {
        var reason: String
    }

    /// A revert refused: the values that later changes touched; nothing was changed.
    struct RevertRefusal: Encodable {
        struct Failure: Encodable { var message: String }
        var bdeUUID: String
        var error: Failure
        var conflicts: [RevertConflict]
    }

    struct ReportPage: Encodable {
        var bdeUUID: String
        var total: Int
        var offset: Int
        var limit: Int
        var exceptions: [ExceptionLine]
    }

    /// A page of what approving an import changes (or changed), with the counts.
    struct ChangesPage: Encodable {
        var bdeUUID: String
        var sentence: String
        var counts: ChangeCounts
        var total: Int
        var offset: Int
        var limit: Int
        var changes: [ChangeLine]
    }

    struct ActivityPage: Encodable {
        var total: Int
        var offset: Int
        var limit: Int
        var imports: [ActivityEntry]
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        let api = router.group("v1")
        api.post("bde/import") { request, context in
            let actor = try context.actor(requiring: .importFiles)
            // Refused before a byte of the file is read: asking for more than the policy allows.
            let policy = try await approvalPolicy(for: request, via: actor.via)
            let file = try await receiver.receive(request)
            let id = jobs.startScan(of: file, actor: actor, policy: policy)
            return try JSONResponse.encode(Started(bdeUUID: id.lowercasedString, statusUrl: ImportStatusReport.statusURL(id)), status: .accepted)
        }
        api.get("bde/import/{id}") { _, context in
            _ = try context.require(.read)
            return try JSONResponse.encode(try await jobs.status(of: try await context.importID(in: ledger)))
        }
        api.get("bde/import/{id}/report") { request, context in
            _ = try context.require(.read)
            let id = try await context.importID(in: ledger)
            let paging = Paging(request, defaultLimit: 100)
            let index = try await reports.index(of: try await ledger.run { try $0.blobs.file(of: try $0.exceptionsReport(id)) })
            let page = try index.page(ExceptionFilter(request), offset: paging.offset, limit: paging.limit)
            return try JSONResponse.encode(
                ReportPage(bdeUUID: id.lowercasedString, total: page.total, offset: paging.offset, limit: paging.limit, exceptions: page.lines))
        }
        api.get("bde/import/{id}/changes") { request, context in
            _ = try context.require(.read)
            let id = try await context.importID(in: ledger)
            let paging = Paging(request, defaultLimit: 100)
            let filter = try ChangeFilter(request)
            let page = try await ledger.run { try $0.changes(of: id, group: filter.group, column: filter.column, offset: paging.offset, limit: paging.limit) }
            return try JSONResponse.encode(ChangesPage(
                bdeUUID: id.lowercasedString, sentence: page.counts.sentence, counts: page.counts, total: page.total, offset: paging.offset,
                limit: paging.limit, changes: page.lines))
        }
        api.put("bde/import") { request, context in
            let actor = try context.actor(requiring: .importFiles)
            let body = try await request.decode(as: ApprovalRequest.self, context: context)
            guard let id = UUID(uuidString: body.bdeUUID) else { throw ServerError(.badRequest, "bdeUUID \(body.bdeUUID) is not an import id.") }
            try await jobs.startApproval(of: id, actor: actor)
            return try JSONResponse.encode(try await jobs.status(of: id), status: .accepted)
        }
        api.delete("bde/import/{id}") { request, context in
            let actor = try context.actor(requiring: .importFiles)
            let id = try await context.importID(in: ledger)
            let reason = request.uri.queryParameters["reason"].map(String.init)
            try await ledger.run { try $0.cancel(id, reason: reason, actor: actor) }
            return try JSONResponse.encode(try await jobs.status(of: id))
        }
        api.post("bde/import/{id}/revert") { request, context in
            let actor = try context.actor(requiring: .revertImports)
            let id = try await context.importID(in: ledger)
            let body = try await request.decode(as: RevertRequest.self, context: context)
            do {
                _ = try await ledger.run { try $0.revert(id, reason: body.reason, actor: actor) }
            } catch let refused as RevertConflicts {
                return try JSONResponse.encode(
                    RevertRefusal(bdeUUID: id.lowercasedString, error: .init(message: refused.description), conflicts: refused.conflicts), status: .conflict)
            }
            return try JSONResponse.encode(try await jobs.status(of: id))
        }
        api.get("policy") { _, context in
            _ = try context.require(.read)
            return try JSONResponse.encode(try await ledger.run { try $0.approvalPolicies() })
        }
        api.put("policy") { request, context in
            let actor = try context.actor(requiring: .changeSettings)
            let body = try await request.decode(as: [String: String].self, context: context)
            let changes = try body.map { source, policy in
                guard let source = IntakeSource(rawValue: source) else {
                    throw ServerError(.badRequest, "\(source) is not a source of files: one of \(IntakeSource.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return (source, try ApprovalPolicy(named: policy))
            }
            let policies = try await ledger.run { ledger in
                for (source, policy) in changes { try ledger.setApprovalPolicy(policy, for: source, actor: actor) }
                return try ledger.approvalPolicies()
            }
            return try JSONResponse.encode(policies)
        }
        api.get("activity") { request, context in
            _ = try context.require(.read)
            let paging = Paging(request, defaultLimit: 50)
            let (total, imports) = try await ledger.run { ledger in
                (try ledger.activityCount(), try ledger.activity(limit: paging.limit, offset: paging.offset))
            }
            return try JSONResponse.encode(ActivityPage(total: total, offset: paging.offset, limit: paging.limit, imports: imports))
        }
    }
}

extension ImportController {
    /// The policy that decides on a file sent with `request`: its source's, or the one it asks
    /// for with `?approve=` within it.
    func approvalPolicy(for request: Request, via: Actor.Via) async throws -> ApprovalPolicy {
        guard let source = IntakeSource(via: via) else { return .manual }
        let requested = try request.uri.queryParameters["approve"].map { try ApprovalPolicy(named: String($0)) }
        return try await ledger.run { try $0.approvalPolicy(for: source, requested: requested) }
    }
}

/// `?offset=&limit=`, bounded so that no request asks for everything at once.
struct Paging {
    static let largestLimit = 1_000
    var offset: Int
    var limit: Int

    init(_ request: Request, defaultLimit: Int) {
        let query = request.uri.queryParameters
        offset = max(0, query["offset"].flatMap { Int($0) } ?? 0)
        limit = min(Self.largestLimit, max(1, query["limit"].flatMap { Int($0) } ?? defaultLimit))
    }
}

extension ExceptionFilter {
    /// `?severity=&code=&column=`; blank means any.
    init(_ request: Request) {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        self.init(severity: value("severity"), code: value("code"), column: value("column"))
    }

    /// The query of another page with the same filters.
    func query(offset: Int) -> String {
        var items = URLComponents()
        items.queryItems = [("severity", severity), ("code", code), ("column", column)].compactMap { name, value in
            value.map { URLQueryItem(name: name, value: $0) }
        } + [URLQueryItem(name: "offset", value: String(offset))]
        return items.percentEncodedQuery ?? ""
    }
}

/// `?group=&column=` of the changes of an import; blank means any.
struct ChangeFilter {
    var group: ChangeGroup?
    var column: String?

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        if let name = value("group") {
            guard let group = ChangeGroup(rawValue: name) else {
                throw ServerError(.badRequest, "\(name) is not a group of changes: one of \(ChangeGroup.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            self.group = group
        }
        column = value("column")
    }

    /// The query of another page with the same filters.
    func query(offset: Int) -> String {
        var items = URLComponents()
        items.queryItems = [("group", group?.rawValue), ("column", column)].compactMap { name, value in
            value.map { URLQueryItem(name: name, value: $0) }
        } + [URLQueryItem(name: "offset", value: String(offset))]
        return items.percentEncodedQuery ?? ""
    }
}
