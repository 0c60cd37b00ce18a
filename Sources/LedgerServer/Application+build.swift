import Foundation
import Hummingbird
import Ledger
import Logging
import NIOCore
import ServiceLifecycle
import Webhooks

/// What the server is built from besides its configuration: the parts tests set differently.
public struct ServerDependencies: Sendable {
    public var passwords: Passwords
    /// How long a refused sign-in waits before answering.
    public var refusalDelay: Duration
    public var secureCookies: Bool

    public init(passwords: Passwords = Passwords(), refusalDelay: Duration = .seconds(1), secureCookies: Bool = true) {
        self.passwords = passwords
        self.refusalDelay = refusalDelay
        self.secureCookies = secureCookies
    }
}

/// Builds the web application over an open ledger: called by `ledger serve` and by the tests
/// (port 0, a temporary ledger).
public func buildApplication(
    configuration: ServerConfiguration, ledger: Ledger, dependencies: ServerDependencies = ServerDependencies(), logger: Logger
) async throws -> some ApplicationProtocol {
    // Refused at start, with how to add it, when the inbox's service user cannot import: before
    // anything that must be shut down is made.
    let inboxActor = try await InboxService.serviceActor(of: configuration.inbox, in: ledger)
    let routes = try await LedgerRoutes(configuration: configuration, ledger: ledger, dependencies: dependencies, logger: logger)
    let bodyReadTimeout = TimeAmount(configuration.bodyReadTimeout)
    let connections = ConnectionLimit(maximum: configuration.maximumConnections, logger: logger)
    var inbox: [any Service] = []
    if let settings = configuration.inbox, let inboxActor {
        inbox.append(InboxService(settings: settings, actor: inboxActor, ledger: ledger, jobs: routes.jobs, logger: logger))
    }
    return Application(
        router: routes.router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [connections.handler(), BodyReadTimeout(bodyReadTimeout)], idleTimeout: TimeAmount(configuration.idleTimeout))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ledger"),
        services: [ImportWorkService(jobs: routes.jobs), CountedRefusalsService(signIn: routes.signIn), WebhookDeliveryService(dispatcher: routes.webhooks)] + inbox,
        logger: logger)
}

/// Every route, with its middleware, and the import work behind them: what the application
/// serves, and whose route table the tests hold to a rule per route.
struct LedgerRoutes {
    let router: Router<LedgerRequestContext>
    let jobs: ImportJobs
    let signIn: SignInService
    /// Sends the webhooks' deliveries; woken when an import's work records something.
    let webhooks: WebhookDispatcher

    init(configuration: ServerConfiguration, ledger: Ledger, dependencies: ServerDependencies, logger: Logger) async throws {
        // What a stopped process left half done: scans are recorded as failed, with their files
        // kept; approvals as interrupted, to be approved again.
        let interrupted = try await offCooperativePool { try ledger.recoverInterruptedWork(actor: Actor(name: "ledger serve", email: "", via: .ui)) }
        if !interrupted.isEmpty { logger.notice("\(interrupted.count) interrupted scan(s) or approval(s) recorded") }
        let pages = try await PageRenderer.load()
        signIn = SignInService(ledger: ledger, passwords: dependencies.passwords, refusalDelay: dependencies.refusalDelay, logger: logger)
        let webhooks = WebhookDispatcher(
            ledger: ledger, configuration: .init(publicURL: configuration.publicURL, actor: Actor(name: "ledger serve", email: "", via: .ui)), logger: logger)
        self.webhooks = webhooks
        jobs = ImportJobs(ledger: ledger, recorded: { webhooks.wake() })
        let reports = ExceptionReportIndexes()
        let staging = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("uploads")
        // What a killed process left staged (an upload cut short, a file it had not handed over
        // yet, a fix file never sent) belongs to no request now: the ledger keeps its own copies.
        let leftovers = UploadReceiver.removeLeftovers(in: staging)
        if leftovers > 0 { logger.notice("removed \(leftovers) file(s) a stopped server left in \(staging.path)") }
        let served = ServedLedger(ledger)
        let sessions = SessionStore(ledger: served)
        router = Router(context: LedgerRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        router.get("health") { _, _ in "ok" }
        router.add(middleware: ErrorMiddleware(pages: pages))
        // Inside the error middleware: it serves a file where the router found no route.
        if let statics = Bundle.module.url(forResource: "Static", withExtension: nil) {
            router.add(middleware: FileMiddleware(statics.path, urlBasePath: "/static", logger: logger))
        }
        router.add(middleware: AuthenticationMiddleware(ledger: served, sessions: sessions, signIn: signIn))
        SignInController(pages: pages, sessions: sessions, signIn: signIn, secureCookies: dependencies.secureCookies).addRoutes(to: router)
        AssetsController(ledger: served, pages: pages, jobs: jobs, reports: reports, stagingFolder: staging).addRoutes(to: router)
        ImportController(ledger: served, jobs: jobs, receiver: UploadReceiver(stagingFolder: staging), reports: reports).addRoutes(to: router)
        HistoryController(ledger: served, pages: pages).addRoutes(to: router)
        SpecificationController(ledger: served, pages: pages).addRoutes(to: router)
        UsersController(ledger: served, pages: pages, administration: UserAdministration(ledger: ledger, passwords: dependencies.passwords))
            .addRoutes(to: router)
        SettingsController(ledger: served, pages: pages, dispatcher: webhooks).addRoutes(to: router)
        WebhooksController(ledger: served, dispatcher: webhooks).addRoutes(to: router)
    }
}

/// Lets the imports under way finish when the server is asked to stop: a stored file is then
/// either scanned or, if the process is killed, reported as interrupted, never half-recorded.
struct ImportWorkService: Service {
    let jobs: ImportJobs
    /// How often the server looks for work another process left half done.
    var recoveryInterval: Duration = .seconds(30)

    func run() async throws {
        // Another server on the same database may stop in the middle of a scan or an approval:
        // the servers that go on find it, as a restart would.
        try? await cancelWhenGracefulShutdown { [jobs, recoveryInterval] in
            while !Task.isCancelled {
                try await Task.sleep(for: recoveryInterval)
                _ = try? await offCooperativePool { try jobs.ledger.recoverInterruptedWork(actor: Actor(name: "ledger serve", email: "", via: .ui)) }
            }
        }
        await offCooperativePool { jobs.drain() }
    }
}

/// Records, when the server is asked to stop, the refused sign-ins it has only counted so far.
struct CountedRefusalsService: Service {
    let signIn: SignInService

    func run() async throws {
        try? await gracefulShutdown()
        try await signIn.recordCountedRefusals()
    }
}

/// Sends the webhooks' deliveries while the server runs; stops when it is asked to stop, leaving
/// what is pending in the log for the next start (docs/decisions/0029).
struct WebhookDeliveryService: Service {
    let dispatcher: WebhookDispatcher

    func run() async throws {
        await cancelWhenGracefulShutdown { [dispatcher] in await dispatcher.run() }
    }
}
