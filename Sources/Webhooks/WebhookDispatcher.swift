import AsyncHTTPClient
import Foundation
import Ledger
import Logging
import NIOCore
import Synchronization

/// Sends the webhooks' deliveries as the log goes on, apart from the imports: an import never
/// waits for a receiver (docs/decisions/0029). What is pending is read from the log, so a
/// dispatcher that starts sends whatever another left unsent; a lease per delivery makes one of
/// several servers on one database send it.
public actor WebhookDispatcher {
    public struct Configuration: Sendable {
        /// The server's address as receivers reach it: the links in the bodies start with it.
        public var publicURL: String
        /// Who the attempts' events are recorded as.
        public var actor: Actor
        /// How often the log is read when nothing wakes the dispatcher.
        public var pollInterval: Duration = .seconds(1)
        public var retries: WebhookRetrySchedule = .standard
        /// How long a receiver has to answer.
        public var timeout: Duration = .seconds(10)
        /// The time the attempts are dated and retried by.
        public var now: @Sendable () -> Date = { Date() }

        public init(publicURL: String, actor: Actor) {
            self.publicURL = publicURL
            self.actor = actor
        }
    }

    private let ledger: Ledger
    private let configuration: Configuration
    private let logger: Logger
    /// Set by `wake`, so that a delivery goes out within a tenth of a second of its event.
    private let woken = Mutex(false)
    /// The log is read after this position: every delivery of an event up to it is finished.
    private var cursor: Int64 = 0
    /// The deliveries being attempted by this dispatcher now.
    private var inFlight: Set<UUID> = []

    public init(ledger: Ledger, configuration: Configuration, logger: Logger) {
        self.ledger = ledger
        self.configuration = configuration
        self.logger = logger
    }

    /// Delivers until the task running it is cancelled, through one HTTP client (its connections
    /// pooled) made for the run and shut down at its end. An attempt cut off is not recorded, and
    /// is made again by the next dispatcher.
    public func run() async {
        var settings = HTTPClient.Configuration(redirectConfiguration: .disallow)
        settings.timeout = .init(connect: .seconds(5), read: Self.timeAmount(configuration.timeout))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for delivery in await due() {
                    inFlight.insert(delivery.id)
                    group.addTask { await self.attempt(delivery, through: client) }
                }
                await nap()
            }
            group.cancelAll()
        }
        try? await client.shutdown()
    }

    /// Says that the log has new events: deliveries go out now rather than at the next poll.
    public nonisolated func wake() {
        woken.withLock { $0 = true }
    }

    /// Sleeps until woken or the poll interval has passed, looking every 50 ms.
    private func nap() async {
        let end = ContinuousClock.now + configuration.pollInterval
        while ContinuousClock.now < end, !Task.isCancelled {
            if woken.withLock({ woken in defer { woken = false }; return woken }) { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The pending deliveries whose time has come and which this dispatcher is not attempting.
    private func due() async -> [WebhookDelivery] {
        let (ledger, cursor) = (self.ledger, self.cursor)
        do {
            let (pending, readUpTo) = try await offCooperativePool { try ledger.pendingWebhookDeliveries(after: cursor) }
            self.cursor = min(pending.map { $0.position - 1 }.min() ?? readUpTo, readUpTo)
            let now = configuration.now()
            return pending.filter { !inFlight.contains($0.id) && ($0.nextAttemptAt ?? .distantPast) <= now }
        } catch {
            logger.error("The webhooks' deliveries could not be read.", metadata: ["error": "\(LedgerError.reason(error))"])
            return []
        }
    }

    /// Makes one attempt at `delivery`, if no one else is making it, and records what came of it.
    private func attempt(_ delivery: WebhookDelivery, through client: HTTPClient) async {
        defer { inFlight.remove(delivery.id) }
        let ledger = ledger, publicURL = configuration.publicURL
        do {
            guard let claim = try await offCooperativePool({ try ledger.claimWebhookDelivery(delivery) }) else { return }
            let outcome: WebhookAttemptOutcome
            do {
                let (url, secret, body) = try await offCooperativePool {
                    let summary = try ledger.webhookImportSummary(of: delivery)
                    let body = try WebhookPayload(delivery, summary: summary, baseURL: publicURL).encoded()
                    return (try ledger.webhook(delivery.webhookID).url, try ledger.webhookSecret(of: delivery.webhookID), body)
                }
                outcome = await send(body, of: delivery, to: url, secret: secret, attempt: claim.attempt, through: client)
            } catch let error as LedgerError where error.code != .notFound {
                // Nothing could be sent (its secret is missing): an attempt failed all the same,
                // shown to the admins and tried again on the schedule.
                outcome = failure(of: delivery, attempt: claim.attempt, status: nil, error: error.message)
            }
            guard !Task.isCancelled else { return }
            let actor = configuration.actor
            try await offCooperativePool { try ledger.recordWebhookAttempt(outcome, of: claim, actor: actor) }
        } catch let error as LedgerError where error.code == .versionConflict || error.code == .notFound {
            // Another server recorded this attempt first, or the webhook was removed meanwhile.
            logger.debug("A webhook's delivery was left.", metadata: ["delivery": "\(delivery.id.lowercasedString)", "reason": "\(error.message)"])
        } catch {
            logger.error("A webhook's delivery failed.", metadata: ["delivery": "\(delivery.id.lowercasedString)", "error": "\(LedgerError.reason(error))"])
        }
    }

    /// POSTs the signed body and says what came of it.
    private func send(
        _ body: Data, of delivery: WebhookDelivery, to url: String, secret: String, attempt: Int, through client: HTTPClient
    ) async -> WebhookAttemptOutcome {
        let now = configuration.now()
        let timestamp = Int(now.timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ledger-webhooks")
        request.headers.add(name: "X-Ledger-Event", value: delivery.event)
        request.headers.add(name: "X-Ledger-Delivery", value: delivery.id.lowercasedString)
        request.headers.add(name: "X-Ledger-Timestamp", value: String(timestamp))
        request.headers.add(name: "X-Ledger-Signature", value: WebhookSignature.header(body: body, timestamp: timestamp, secret: secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int?, failure: String?
        do {
            let response = try await client.execute(request, timeout: Self.timeAmount(configuration.timeout))
            // Read and dropped: only the status counts, and a receiver that talks on is cut off.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            status = Int(response.status.code)
            failure = nil
        } catch {
            status = nil
            failure = describe(error)
        }
        if let status, (200..<300).contains(status) { return .delivered(status: status) }
        return self.failure(of: delivery, attempt: attempt, status: status, error: failure, startedAt: now)
    }

    /// A failed attempt, to be made again when the schedule says, or given up.
    private func failure(of delivery: WebhookDelivery, attempt: Int, status: Int?, error: String?, startedAt: Date? = nil) -> WebhookAttemptOutcome {
        let now = configuration.now()
        let next = configuration.retries.nextAttempt(after: attempt, firstAttemptAt: delivery.firstAttemptAt ?? startedAt ?? now, now: now)
        logger.info(
            "A webhook's delivery failed.",
            metadata: ["delivery": "\(delivery.id.lowercasedString)", "status": "\(status.map(String.init) ?? "none")", "error": "\(error ?? "")"])
        return .failed(status: status, error: error, nextAttemptAt: next)
    }

    /// What the admins are told of a request that got no answer; the server's log has the rest.
    private func describe(_ error: any Error) -> String {
        logger.debug("A webhook's request failed.", metadata: ["error": "\(String(reflecting: error))"])
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout: return "The receiver did not answer in time."
        case let error as HTTPClientError where error == .connectTimeout: return "The receiver could not be reached in time."
        case let error as HTTPClientError where error == .remoteConnectionClosed: return "The receiver closed the connection without answering."
        default: return "The receiver could not be reached."
        }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(WebhookRetrySchedule.seconds(duration) * 1e9))
    }
}
