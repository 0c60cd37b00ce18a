import Foundation
import Hummingbird
import Ledger
import Logging
import NIOCore

/// What a request carries between the middleware and the routes: who is signed in, through
/// which door, and their session.
public struct LedgerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The person making the request, once the authentication middleware found them.
    public var user: UserAccount?
    /// The browser session, for pages and for the page's own calls to the API.
    public var session: Session?
    /// How the person came in: the web page (a session) or the API (basic authentication).
    public var via: Actor.Via = .ui
    public let clientAddress: String?
    /// The connection, for the answers after which it must be closed.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
        channel = source.channel
    }

    /// The signed-in person; 401 when nobody is.
    public func requireUser() throws -> UserAccount {
        guard let user else { throw ServerError.signInRequired }
        return user
    }

    /// The signed-in person, when their role allows `capability`; 403 otherwise.
    public func require(_ capability: Capability) throws -> UserAccount {
        let user = try requireUser()
        guard capability.isGranted(to: user.role) else { throw ServerError.forbidden(capability) }
        return user
    }

    /// The import a route's `{id}` names: its whole id, or eight characters of it or more.
    func importID(in ledger: ServedLedger) async throws -> UUID {
        let text = try parameters.require("id")
        if let id = UUID(uuidString: text) { return id }
        return try await ledger.run { try $0.importID(text) }
    }

    /// The signed-in person as events record them, when their role allows `capability`.
    public func actor(requiring capability: Capability) throws -> Actor { try require(capability).actor(via: via) }
}

/// What a route needs of the person's role.
public enum Capability: String, Sendable {
    /// Reading anything: every role.
    case read
    /// Dropping, approving and cancelling imports.
    case importFiles = "import files"
    case manageUsers = "manage users"
    /// Approval policies and webhooks.
    case changeSettings = "change settings"
    case revertImports = "revert imports"

    func isGranted(to role: Role) -> Bool {
        switch self {
        case .read: true
        case .importFiles: role.canImport
        case .manageUsers: role.canManageUsers
        case .changeSettings: role.canChangeSettings
        case .revertImports: role.canRevertImports
        }
    }
}
