import Crypto
import Foundation

/// Webhooks: import events sent to other systems (docs/decisions/0029). Their registrations and
/// every delivery's attempts are events; their secrets are kept beside the log.
extension Ledger {
    // MARK: What the admins do

    /// Registers a webhook and returns it with the secret its deliveries are signed with: the one
    /// given, or a new random one, shown this once.
    public func registerWebhook(url: String, events: [String], secret: String? = nil, actor: Actor) throws -> (WebhookRegistration, secret: String) {
        let url = url.trimmingCharacters(in: .whitespaces)
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased()), parsed.host?.isEmpty == false else {
            throw LedgerError(.invalidArgument, "\(url) is not an http:// or https:// address with a host.")
        }
        let events = Array(Set(events.map { $0.trimmingCharacters(in: .whitespaces) }).subtracting([""])).sorted()
        let unknown = events.filter { !WebhookEventName.subscribable.contains($0) }
        guard unknown.isEmpty, !events.isEmpty else {
            throw LedgerError(
                .invalidArgument,
                (unknown.isEmpty ? "Name at least one event to send." : "\(unknown.joined(separator: ", ")) is no event a webhook can be sent.")
                    + " The events are \(WebhookEventName.subscribable.joined(separator: ", ")).")
        }
        let secret = secret ?? Self.newWebhookSecret()
        guard !secret.isEmpty else { throw LedgerError(.invalidArgument, "A webhook's secret cannot be empty.") }
        let id = UUID()
        let stream = WebhookRegistration.stream(id)
        try record(
            [try coder.event(WebhookRegistered(webhookID: id, url: url, events: events), stream: stream, metadata: EventMetadata(actor: actor))],
            expecting: [stream: .noStream], credential: .webhookSecret(webhookID: id, secret: secret))
        return (try webhook(id), secret)
    }

    /// Stops sending anything to a webhook, what was pending included.
    public func removeWebhook(_ id: UUID, actor: Actor) throws {
        _ = try webhook(id)
        let stream = WebhookRegistration.stream(id)
        try record([try coder.event(WebhookRemoved(webhookID: id), stream: stream, metadata: EventMetadata(actor: actor))], expecting: [stream: .any])
    }

    /// The webhooks in use, oldest first.
    public func webhooks() throws -> [WebhookRegistration] {
        try webhookRegistrations().activeWebhooks
    }

    /// The webhook `id`, unless it was removed.
    public func webhook(_ id: UUID) throws -> WebhookRegistration {
        guard let webhook = try webhooks().first(where: { $0.id == id }) else {
            throw LedgerError(.notFound, "There is no webhook \(id.lowercasedString).")
        }
        return webhook
    }

    /// The deliveries of one webhook (removed or not), or of all those in use, newest first, at
    /// most `limit`.
    public func webhookDeliveries(of webhookID: UUID? = nil, limit: Int = 100) throws -> [WebhookDelivery] {
        let log = try webhookLog(after: 0)
        let deliveries = log.deliveries.values.filter { delivery in
            webhookID.map { delivery.webhookID == $0 } ?? (log.removedAt[delivery.webhookID] == nil)
        }
        return Array(deliveries.sorted { ($0.position, $0.id.uuidString) > ($1.position, $1.id.uuidString) }.prefix(limit))
    }

    /// Asks for a `test` event to be sent to a webhook; returns the id of its delivery.
    @discardableResult
    public func sendTestEvent(to webhookID: UUID, actor: Actor) throws -> UUID {
        _ = try webhook(webhookID)
        let stream = WebhookRegistration.stream(webhookID)
        let recorded = try record(
            [try coder.event(WebhookTestRequested(webhookID: webhookID), stream: stream, metadata: EventMetadata(actor: actor))], expecting: [stream: .any])
        return WebhookDelivery.id(webhook: webhookID, position: recorded[0].position)
    }

    // MARK: What the dispatcher does

    /// The deliveries not yet delivered nor given up whose events come after `position`, oldest
    /// first, and the position up to which the log was read: a dispatcher reads on from the
    /// first pending delivery's position (less one), or from there when none is pending.
    public func pendingWebhookDeliveries(after position: Int64) throws -> (deliveries: [WebhookDelivery], readUpTo: Int64) {
        let end = try storage.lastPosition()
        return (try webhookLog(after: position).pendingDeliveries, end)
    }

    /// The secret a webhook's deliveries are signed with.
    public func webhookSecret(of webhookID: UUID) throws -> String {
        guard let secret = try storage.webhookSecret(of: webhookID) else {
            // Only a database altered behind the ledger's back, or copied without the table beside its log.
            throw LedgerError(.invalidState, "Webhook \(webhookID.lowercasedString) has no secret kept: remove it and register it again.")
        }
        return secret
    }

    /// The right to make the next attempt at a delivery, held by one process at a time, whichever
    /// server it runs on, until it is released.
    public final class WebhookDeliveryClaim: @unchecked Sendable {
        public let delivery: WebhookDelivery
        /// Only held, and released when the claim goes: never used from two threads.
        fileprivate let lease: any WorkLease

        fileprivate init(delivery: WebhookDelivery, lease: any WorkLease) {
            self.delivery = delivery
            self.lease = lease
        }

        /// The attempt this claim makes, from 1.
        public var attempt: Int { delivery.attempts + 1 }
    }

    /// Claims the next attempt at `delivery`: nil when another process is making one, or made
    /// one since `delivery` was read.
    public func claimWebhookDelivery(_ delivery: WebhookDelivery) throws -> WebhookDeliveryClaim? {
        guard let lease = try storage.lease(.delivering, of: delivery.id) else { return nil }
        // Read again under the lease: another server may have recorded an attempt meanwhile.
        let version = try storage.events(in: WebhookDelivery.stream(delivery.id)).last?.version ?? 0
        guard version == delivery.version else { return nil }
        return WebhookDeliveryClaim(delivery: delivery, lease: lease)
    }

    /// Records what the claimed attempt came to, at the version the claim read: two servers
    /// cannot both record the same attempt.
    public func recordWebhookAttempt(_ outcome: WebhookAttemptOutcome, of claim: WebhookDeliveryClaim, actor: Actor) throws {
        defer { withExtendedLifetime(claim) {} }
        let delivery = claim.delivery
        let stream = WebhookDelivery.stream(delivery.id)
        let event: NewEvent = switch outcome {
        case .delivered(let status):
            try coder.event(
                WebhookDelivered(
                    webhookID: delivery.webhookID, deliveryID: delivery.id, event: delivery.event, importID: delivery.importID,
                    attempt: claim.attempt, status: status),
                stream: stream, metadata: EventMetadata(actor: actor))
        case .failed(let status, let error, let nextAttemptAt):
            try coder.event(
                WebhookDeliveryFailed(
                    webhookID: delivery.webhookID, deliveryID: delivery.id, event: delivery.event, importID: delivery.importID,
                    attempt: claim.attempt, status: status, error: error, nextAttemptAt: nextAttemptAt),
                stream: stream, metadata: EventMetadata(actor: actor))
        }
        try record([event], expecting: [stream: delivery.version == 0 ? .noStream : .exactly(delivery.version)])
    }

    /// What a delivery says of its import: from the event it delivers and the Activity List.
    public func webhookImportSummary(of delivery: WebhookDelivery) throws -> WebhookImportSummary? {
        guard let importID = delivery.importID else { return nil }
        let entry = try activityEntry(importID)
        var summary = WebhookImportSummary(
            id: importID.lowercasedString, file: entry.fileName, state: WebhookImportSummary.state(after: delivery.event) ?? entry.status, records: entry.records,
            ready: entry.ready, errors: entry.errors, warnings: entry.warnings, imported: entry.imported, unchanged: entry.unchanged,
            skipped: entry.skipped, via: entry.via, droppedBy: entry.droppedByEmail.isEmpty ? entry.droppedByName : entry.droppedByEmail,
            decidedBy: entry.decidedByEmail.flatMap { $0.isEmpty ? entry.decidedByName : $0 } ?? entry.decidedByName)
        // A scan's own counts, not those of a later scan an approval made.
        if delivery.event == WebhookEventName.scanned, let event = try storage.events(at: [delivery.position]).first,
            let scan = try coder.decode(event, as: ScanCompleted.self)
        {
            summary.records = scan.records
            summary.ready = scan.ready
            summary.errors = scan.errors
            summary.warnings = scan.warnings
        }
        return summary
    }

    // MARK: Reading the log

    /// Every webhook registered and removed: those folded before, and the registrations and
    /// removals the log gained since. Without an index on the events' type, reading them from
    /// the log's start is a scan of the whole log (0.18 s on a 154,000-event ledger), which every
    /// server's dispatcher would make every second.
    private func webhookRegistrations() throws -> WebhookLog {
        var (log, upTo) = webhookRegistrationsRead.withLock { $0 }
        // Every event up to the end read first is in what follows; one after it may be too, and
        // is read again next time, which registering or removing twice does not change.
        let end = try storage.lastPosition()
        try forEachEvent(matching: EventFilter(types: WebhookLog.registrationTypes, after: upTo)) { try log.evolve($0, coder: coder) }
        webhookRegistrationsRead.withLock { read in
            if end > read.upTo { read = (log, end) }
        }
        return log
    }

    /// The webhooks, and the deliveries of the events after `position`.
    private func webhookLog(after position: Int64) throws -> WebhookLog {
        var log = try webhookRegistrations()
        try forEachEvent(matching: EventFilter(types: WebhookLog.deliveryTypes, after: position)) { try log.evolve($0, coder: coder) }
        return log
    }

    /// The events `filter` lets through, read a page at a time.
    private func forEachEvent(matching filter: EventFilter, _ body: (RecordedEvent) throws -> Void) throws {
        var filter = filter
        while true {
            let page = try storage.events(matching: filter, limit: 1000)
            for event in page { try body(event) }
            guard page.count == 1000, let last = page.last else { return }
            filter.after = last.position
        }
    }

    /// 32 random bytes, hex.
    static func newWebhookSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Hex.string($0) }
    }
}
