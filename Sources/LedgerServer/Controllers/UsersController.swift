import Foundation
import Hummingbird
import Ledger

/// The administrator's page: add people, disable them, reset their passwords. The same
/// operations as `ledger users`, through `UserAdministration`.
struct UsersController {
    let ledger: ServedLedger
    let pages: PageRenderer
    let administration: UserAdministration

    struct UsersPage {
        struct Line {
            var id: String
            var name: String
            var email: String
            var role: String
            var disabled: Bool
            var createdAt: String
            var lastSignInAt: String
        }
        var page: PageFrame
        var users: [Line]
        var roles: [String]
        /// A password just set, shown once to the administrator who set it.
        var notice: String?
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("admin/users") { _, context in
            _ = try context.require(.manageUsers)
            return try await page(context, notice: nil)
        }
        router.post("admin/users") { request, context in
            let admin = try context.require(.manageUsers)
            let form = try await Self.form(request)
            guard let role = Role(rawValue: try form.require("role")) else { throw ServerError(.badRequest, "A role is admin, importer or auditor.") }
            let (account, password) = try await administration.add(
                name: try form.require("name"), email: try form.require("email"), role: role, password: form["password"], actor: admin.actor(via: .ui))
            return try await page(context, notice: "\(account.email) can sign in" + (password.map { " with the password \($0) (shown once)." } ?? "."))
        }
        router.post("admin/users/{id}/disable") { _, context in
            let admin = try context.require(.manageUsers)
            let id = try Self.userID(context)
            guard id != admin.id else { throw ServerError(.conflict, "You cannot disable yourself; ask another administrator.") }
            try await ledger.run { try $0.disableUser(id, actor: admin.actor(via: .ui)) }
            return Response.redirect(to: "/admin/users", type: .found)
        }
        router.post("admin/users/{id}/reset-password") { request, context in
            let admin = try context.require(.manageUsers)
            let id = try Self.userID(context)
            let password = try await administration.resetPassword(id, to: try await Self.form(request)["password"], actor: admin.actor(via: .ui))
            let email = try await ledger.run { try $0.user(id: id).email }
            return try await page(context, notice: "The new password of \(email) is \(password) (shown once).")
        }
        router.get("v1/users") { _, context in
            _ = try context.require(.manageUsers)
            return try JSONResponse.encode(try await ledger.run { try $0.users() }.map(UserAdministration.Listing.init))
        }
    }

    private func page(_ context: LedgerRequestContext, notice: String?) async throws -> Response {
        let users = try await ledger.run { try $0.users() }.map {
            UsersPage.Line(id: $0.id.lowercasedString, name: $0.name, email: $0.email, role: $0.role.rawValue, disabled: $0.disabled,
                           createdAt: DisplayTime.text(stored: $0.createdAt), lastSignInAt: $0.lastSignInAt.map { DisplayTime.text(stored: $0) } ?? "never")
        }
        return try pages.render("users", UsersPage(
            page: PageFrame(title: "Users", tab: "users", context: context), users: users, roles: Role.allCases.map(\.rawValue), notice: notice))
    }

    static func form(_ request: Request) async throws -> FormFields {
        var request = request
        return FormFields(String(buffer: try await request.collectBody(upTo: AuthenticationMiddleware.largestForm)))
    }

    static func userID(_ context: LedgerRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw ServerError(.notFound, "There is no such user.") }
        return id
    }
}
