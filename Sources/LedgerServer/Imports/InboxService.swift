import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// `ledger serve --inbox DIR`: the folder the server watches, and as whom it imports.
public struct InboxSettings: Sendable, Equatable {
    public var folder: String
    public var mask: String
    public var waitsForDoneMarker: Bool
    /// The service user's e-mail: an enabled user who may import.
    public var serviceUser: String

    public static let standardServiceUser = "inbox@localhost"

    public init(folder: String, mask: String = "*.csv", waitsForDoneMarker: Bool = false, serviceUser: String = standardServiceUser) {
        self.folder = folder
        self.mask = mask
        self.waitsForDoneMarker = waitsForDoneMarker
        self.serviceUser = serviceUser
    }
}

/// Takes the inbox's files while the server runs; asked to stop, finishes the file in hand.
/// Approvals the inbox policy allows go to the server's approval queue, as an upload's do.
struct InboxService: Service {
    let inbox: Inbox
    let logger: Logger

    /// The service user of `settings`' inbox, if there is one; refused, with how to add one,
    /// when that user cannot import.
    static func serviceActor(of settings: InboxSettings?, in ledger: Ledger) async throws -> Actor? {
        guard let settings else { return nil }
        return try await offCooperativePool { try Inbox.serviceActor(email: settings.serviceUser, in: ledger) }
    }

    init(settings: InboxSettings, actor: Actor, ledger: Ledger, jobs: ImportJobs, logger: Logger) {
        let configuration = Inbox.Configuration(
            folder: URL(fileURLWithPath: settings.folder), mask: settings.mask, waitsForDoneMarker: settings.waitsForDoneMarker, actor: actor)
        inbox = Inbox(ledger: ledger, configuration: configuration) { id in
            let policy = try ledger.approvalPolicy(for: .inbox)
            if policy != .manual { jobs.startApproval(of: id, byPolicy: policy, via: .inbox) }
        }
        self.logger = logger
    }

    func run() async throws {
        let logger = logger
        await cancelWhenGracefulShutdown { [inbox] in
            await inbox.run { event in
                switch event {
                case .taken(let intake):
                    logger.info("inbox file taken", metadata: [
                        "file": "\(intake.fileName)", "import": "\(intake.importID?.lowercasedString ?? "none")",
                        "outcome": "\(intake.rejected ? "rejected" : "accepted")", "status": "\(intake.status?.rawValue ?? "refused")",
                        "recognised": "\(intake.recognised)",
                    ])
                case .deferred(let fileName, let reason):
                    logger.warning("inbox file left for later", metadata: ["file": "\(fileName)", "reason": "\(reason)"])
                }
            }
        }
    }
}
