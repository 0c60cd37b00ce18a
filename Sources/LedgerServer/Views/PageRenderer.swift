import Foundation
import Hummingbird
import Ledger
import Mustache

/// What every page shows around its content: the title, who is signed in, the tabs their role
/// opens, and the CSRF token for its forms and its script.
struct PageFrame {
    var title: String
    var userName: String?
    var userEmail: String?
    var role: String?
    var csrfToken: String?
    var canImport = false
    var canManageUsers = false
    var canChangeSettings = false
    /// Which tab is open; Mustache reads stored properties only, so one flag each.
    var isAssets: Bool, isHistory: Bool, isAudit: Bool, isSpecification: Bool, isUsers: Bool, isSettings: Bool

    init(title: String, tab: String, context: LedgerRequestContext) {
        self.title = title
        (isAssets, isHistory, isAudit, isSpecification, isUsers, isSettings) =
            (tab == "assets", tab == "history", tab == "audit", tab == "specification", tab == "users", tab == "settings")
        userName = context.user?.name
        userEmail = context.user?.email
        role = context.user?.role.rawValue
        csrfToken = context.session?.csrfToken
        canImport = context.user?.role.canImport ?? false
        canManageUsers = context.user?.role.canManageUsers ?? false
        canChangeSettings = context.user?.role.canChangeSettings ?? false
    }

}

/// Renders the pages from the Mustache templates shipped with the module. Values are escaped by
/// Mustache's default `{{name}}`; no template uses the unescaped form for data.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    public static func load() async throws -> PageRenderer {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw ServerError(.internalServerError, "The page templates are missing from the build.")
        }
        return PageRenderer(library: try await MustacheLibrary(directory: folder.path))
    }

    /// The page `template` rendered with `model`; a missing template is an error, not a crash.
    func render(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let html = library.render(model, withTemplate: template) else {
            throw ServerError(.internalServerError, "There is no page template \(template).")
        }
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    struct ErrorPage {
        var page: PageFrame
        var status: Int
        var message: String
    }

    func errorPage(_ failure: ServerError, context: LedgerRequestContext) throws -> Response {
        try render("error", ErrorPage(page: PageFrame(title: "Error", tab: "", context: context), status: Int(failure.status.code), message: failure.message),
                   status: failure.status)
    }
}
