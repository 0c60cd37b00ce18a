import DataExchange
import Foundation
import Hummingbird
import Ledger

/// The Assets tab (the drop zone and the Activity List), an import's downloads and its
/// exceptions page, and the buttons of the Activity List for a browser without script.
struct AssetsController {
    let ledger: ServedLedger
    let pages: PageRenderer
    let jobs: ImportJobs
    let reports: ExceptionReportIndexes
    let stagingFolder: URL
    static let pageSize = 25

    /// One line of the Activity List as the page shows it.
    struct ActivityLine {
        var id: String
        var shortID: String
        var fileName: String
        var status: String
        var kind: String
        var via: String
        var droppedAt: String
        var droppedByName: String
        var droppedByEmail: String
        var records: String
        var ready: String
        var exceptions: String
        var imported: String
        var hasReport: Bool
        var awaitsDecision: Bool
        var isImported: Bool
        /// "approved by Ada", "approved by policy auto-when-clean", "cancelled by Ada".
        var decision: String?
        /// Why it was cancelled or reverted.
        var reason: String?
        /// What approving it changes, in one sentence, once worked out.
        var changes: String?

        init(_ entry: ActivityEntry) {
            id = entry.id
            shortID = String(entry.id.prefix(8))
            fileName = entry.fileName
            status = entry.status
            kind = entry.kind
            via = entry.via.uppercased()
            droppedAt = DisplayTime.text(stored: entry.droppedAt)
            droppedByName = entry.droppedByName
            droppedByEmail = entry.droppedByEmail
            records = entry.records.map(String.init) ?? ""
            ready = entry.ready.map(String.init) ?? ""
            exceptions = entry.errors.map { String($0 + (entry.warnings ?? 0)) } ?? ""
            imported = entry.imported.map(String.init) ?? ""
            hasReport = entry.reportSha256 != nil
            awaitsDecision = entry.status == "scanned" && (entry.fileErrors ?? 0) == 0
            isImported = entry.status == "imported"
            decision = entry.decision
            reason = entry.status == "reverted" ? entry.reason : nil
            changes = entry.changes
        }
    }

    struct ActivityList {
        var lines: [ActivityLine]
        var canImport: Bool
        var canRevert: Bool
        var csrfToken: String?
        var page: Int
        var previousPage: Int?
        var nextPage: Int?
    }

    /// A revert refused: the values later changes touched.
    struct RevertRefusedPage {
        var page: PageFrame
        var id: String
        var fileName: String
        var conflicts: [String]
        var count: Int { conflicts.count }
    }

    struct AssetsPage {
        var page: PageFrame
        var activity: ActivityList
        var maximumBytes = FileSizeLimit.maximumBytes
    }

    struct ExceptionsPage {
        struct Count {
            var name: String
            var count: Int
        }
        var page: PageFrame
        var id: String
        var fileName: String
        var errors: Int
        var warnings: Int
        var byCode: [Count]
        var byColumn: [Count]
        var severity: String
        var code: String
        var column: String
        var total: Int
        var first: Int
        var last: Int
        var lines: [ExceptionLine]
        /// The queries of the pages before and after, keeping the filters.
        var previousQuery: String?
        var nextQuery: String?
    }

    /// The Changes page: what approving an import changes, group by group, each entity's change
    /// with its record and line and every field's old and new value.
    struct ChangesPage {
        struct Count {
            var name: String
            var title: String
            var count: String
        }
        struct Field {
            var column: String
            var old: String
            var new: String
        }
        struct Line {
            var group: String
            var kind: String
            var entity: String
            var previousEntity: String?
            var record: Int
            var line: Int
            var fields: [Field]
        }
        var page: PageFrame
        var id: String
        var fileName: String
        var sentence: String
        var groups: [Count]
        var columns: [Count]
        var groupChoices: [Count]
        var group: String
        var column: String
        var total: String
        var first: Int
        var last: Int
        var lines: [Line]
        var csvQuery: String
        var previousQuery: String?
        var nextQuery: String?
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/assets", type: .found) }
        router.get("assets") { request, context in
            _ = try context.require(.read)
            return try pages.render("assets", AssetsPage(page: PageFrame(title: "Assets", tab: "assets", context: context), activity: try await activityList(request, context)))
        }
        router.get("assets/activity") { request, context in
            _ = try context.require(.read)
            return try pages.render("activity", try await activityList(request, context))
        }
        router.post("imports/{id}/approve") { _, context in
            let actor = try context.actor(requiring: .importFiles)
            try await jobs.startApproval(of: try await context.importID(in: ledger), actor: actor)
            return Response.redirect(to: "/assets", type: .found)
        }
        router.post("imports/{id}/cancel") { _, context in
            let actor = try context.actor(requiring: .importFiles)
            let id = try await context.importID(in: ledger)
            try await ledger.run { try $0.cancel(id, reason: nil, actor: actor) }
            return Response.redirect(to: "/assets", type: .found)
        }
        router.post("imports/{id}/revert") { request, context in
            let actor = try context.actor(requiring: .revertImports)
            let id = try await context.importID(in: ledger)
            let form = try await UsersController.form(request)
            do {
                _ = try await ledger.run { try $0.revert(id, reason: try form.require("reason"), actor: actor) }
            } catch let refused as RevertConflicts {
                let fileName = try await ledger.run { try $0.activityEntry(id).fileName }
                return try pages.render(
                    "revert-refused",
                    RevertRefusedPage(
                        page: PageFrame(title: "Revert refused", tab: "assets", context: context), id: id.lowercasedString, fileName: fileName,
                        conflicts: refused.conflicts.map(\.description)),
                    status: .conflict)
            }
            return Response.redirect(to: "/assets", type: .found)
        }
        router.get("imports/{id}/file") { _, context in
            _ = try context.require(.read)
            let id = try await context.importID(in: ledger)
            let (file, name) = try await ledger.run { ledger in (try ledger.originalFile(id), try ledger.activityEntry(id).fileName) }
            return try await download(try await ledger.run { try $0.blobs.file(of: file) }, name: name, context: context)
        }
        router.get("imports/{id}/exceptions.csv") { _, context in
            _ = try context.require(.read)
            let id = try await context.importID(in: ledger)
            let report = try await ledger.run { try $0.blobs.file(of: try $0.exceptionsReport(id)) }
            return try await download(report, name: "exceptions-\(id.uuidString.prefix(8).lowercased()).csv", context: context)
        }
        router.get("imports/{id}/fix-file.csv") { _, context in
            _ = try context.require(.read)
            let id = try await context.importID(in: ledger)
            let url = stagingFolder.appendingPathComponent("\(UUID().lowercasedString)-fix.csv")
            try FileManager.default.createDirectory(at: stagingFolder, withIntermediateDirectories: true)
            do {
                try await ledger.run { try $0.writeFixFile(of: id, to: url) }
                // Streamed from disk, as any download (a fix file can be as large as the export),
                // and removed once sent; one the client never took is removed at the next start.
                let sent = try await download(url, name: "to-correct-\(id.uuidString.prefix(8).lowercased()).csv", context: context)
                return sent.afterBodyWritten { try? FileManager.default.removeItem(at: url) }
            } catch {
                try? FileManager.default.removeItem(at: url)
                throw error
            }
        }
        router.get("imports/{id}/changes") { request, context in
            _ = try context.require(.read)
            return try await changesPage(request, context)
        }
        router.get("imports/{id}/changes.csv") { request, context in
            _ = try context.require(.read)
            let id = try await context.importID(in: ledger)
            let filter = try ChangeFilter(request)
            let url = stagingFolder.appendingPathComponent("\(UUID().lowercasedString)-changes.csv")
            try FileManager.default.createDirectory(at: stagingFolder, withIntermediateDirectories: true)
            do {
                try await ledger.run { try $0.writeChangesCSV(of: id, group: filter.group, column: filter.column, to: try OutputFile(path: url.path)) }
                let sent = try await download(url, name: "changes-\(id.uuidString.prefix(8).lowercased()).csv", context: context)
                return sent.afterBodyWritten { try? FileManager.default.removeItem(at: url) }
            } catch {
                try? FileManager.default.removeItem(at: url)
                throw error
            }
        }
        router.get("imports/{id}/exceptions") { request, context in
            _ = try context.require(.read)
            return try await exceptionsPage(request, context)
        }
    }

    private func activityList(_ request: Request, _ context: LedgerRequestContext) async throws -> ActivityList {
        let page = max(1, request.uri.queryParameters["page"].flatMap { Int($0) } ?? 1)
        let (total, entries) = try await ledger.run { ledger in
            (try ledger.activityCount(), try ledger.activity(limit: Self.pageSize, offset: (page - 1) * Self.pageSize))
        }
        return ActivityList(
            lines: entries.map(ActivityLine.init), canImport: context.user?.role.canImport ?? false,
            canRevert: context.user?.role.canRevertImports ?? false, csrfToken: context.session?.csrfToken, page: page,
            previousPage: page > 1 ? page - 1 : nil, nextPage: page * Self.pageSize < total ? page + 1 : nil)
    }

    private func exceptionsPage(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        let id = try await context.importID(in: ledger)
        let state = try await ledger.run { try $0.importState(id) }
        guard let scan = state.scan else { throw LedgerError(.notFound, "Import \(id.lowercasedString) has not been scanned yet.") }
        let filter = ExceptionFilter(request)
        let paging = Paging(request, defaultLimit: 100)
        let index = try await reports.index(of: try await ledger.run { try $0.blobs.file(of: scan.report) })
        let page = try index.page(filter, offset: paging.offset, limit: paging.limit)
        func counts(_ table: [String: Int]) -> [ExceptionsPage.Count] {
            table.map { ExceptionsPage.Count(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        }
        let model = ExceptionsPage(
            page: PageFrame(title: "Exceptions", tab: "assets", context: context), id: id.lowercasedString, fileName: state.uploaded?.fileName ?? "",
            errors: scan.errors, warnings: scan.warnings, byCode: counts(scan.byCode), byColumn: counts(scan.byColumn),
            severity: filter.severity ?? "", code: filter.code ?? "", column: filter.column ?? "", total: page.total,
            first: page.lines.isEmpty ? 0 : paging.offset + 1, last: paging.offset + page.lines.count, lines: page.lines,
            previousQuery: paging.offset > 0 ? filter.query(offset: max(0, paging.offset - paging.limit)) : nil,
            nextQuery: paging.offset + paging.limit < page.total ? filter.query(offset: paging.offset + paging.limit) : nil)
        return try pages.render("exceptions", model)
    }

    private func changesPage(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        let id = try await context.importID(in: ledger)
        let filter = try ChangeFilter(request)
        let paging = Paging(request, defaultLimit: 100)
        let (entry, page) = try await ledger.run { ledger in
            (try ledger.activityEntry(id), try ledger.changes(of: id, group: filter.group, column: filter.column, offset: paging.offset, limit: paging.limit))
        }
        let counts = page.counts
        let groups = ChangeGroup.allCases.compactMap { group -> ChangesPage.Count? in
            let count = counts.count(group)
            return count > 0 ? ChangesPage.Count(name: group.rawValue, title: group.title, count: ChangeCounts.grouped(count)) : nil
        }
        let columns = counts.updatedColumns.merging(counts.clearedColumns, uniquingKeysWith: +)
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { ChangesPage.Count(name: $0.key, title: $0.key, count: ChangeCounts.grouped($0.value)) }
        let lines = page.lines.map { line in
            ChangesPage.Line(
                group: line.group.title, kind: line.kind.rawValue, entity: line.entity, previousEntity: line.previousEntity, record: line.record,
                line: line.line, fields: line.fields.map { ChangesPage.Field(column: $0.column, old: $0.old ?? "", new: $0.new ?? "") })
        }
        let model = ChangesPage(
            page: PageFrame(title: "Changes", tab: "assets", context: context), id: id.lowercasedString, fileName: entry.fileName,
            sentence: counts.sentence, groups: groups, columns: columns,
            groupChoices: ChangeGroup.allCases.map { ChangesPage.Count(name: $0.rawValue, title: $0.title, count: $0 == filter.group ? "selected" : "") },
            group: filter.group?.rawValue ?? "", column: filter.column ?? "", total: ChangeCounts.grouped(page.total),
            first: page.lines.isEmpty ? 0 : paging.offset + 1, last: paging.offset + page.lines.count, lines: lines,
            csvQuery: filter.query(offset: 0),
            previousQuery: paging.offset > 0 ? filter.query(offset: max(0, paging.offset - paging.limit)) : nil,
            nextQuery: paging.offset + paging.limit < page.total ? filter.query(offset: paging.offset + paging.limit) : nil)
        return try pages.render("changes", model)
    }

    /// A stored file sent as a download, streamed from disk.
    private func download(_ url: URL, name: String, context: LedgerRequestContext) async throws -> Response {
        let body = try await FileIO().loadFile(path: url.path, context: context)
        return Response(status: .ok, headers: Self.attachment(name), body: body)
    }

    static func attachment(_ name: String) -> HTTPFields {
        let safe = name.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && !$0.isNewline }
        return [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(safe)\"", .cacheControl: "no-store"]
    }
}
