import Foundation

/// The webhooks and their deliveries, folded from the log: a delivery is pending from the import
/// event it delivers until an attempt delivers it or the last one gives up, whichever server or
/// process made them, so nothing pending is lost when one stops.
struct WebhookLog {
    /// Every webhook registered, removed ones included, by id.
    private(set) var webhooks: [UUID: WebhookRegistration] = [:]
    /// Where each removed webhook was removed.
    private(set) var removedAt: [UUID: Int64] = [:]
    private(set) var deliveries: [UUID: WebhookDelivery] = [:]

    /// The events that register and remove webhooks.
    static let registrationTypes = [WebhookRegistered.type, WebhookRemoved.type]
    /// The events that make deliveries, and those that record their attempts.
    static let deliveryTypes = Array(WebhookEventName.byEventType.keys) + [WebhookDelivered.type, WebhookDeliveryFailed.type]

    var activeWebhooks: [WebhookRegistration] {
        webhooks.values.filter { removedAt[$0.id] == nil }.sorted { $0.position < $1.position }
    }

    var pendingDeliveries: [WebhookDelivery] {
        deliveries.values.filter { $0.isPending && removedAt[$0.webhookID] == nil }.sorted { ($0.position, $0.id.uuidString) < ($1.position, $1.id.uuidString) }
    }

    mutating func evolve(_ event: RecordedEvent, coder: EventCoder) throws {
        if let registered = try coder.decode(event, as: WebhookRegistered.self) {
            webhooks[registered.webhookID] = WebhookRegistration(
                id: registered.webhookID, url: registered.url, events: registered.events, registeredBy: event.metadata.actor.name,
                registeredAt: event.recordedAt, position: event.position)
        } else if let removed = try coder.decode(event, as: WebhookRemoved.self) {
            removedAt[removed.webhookID] = event.position
        } else if let delivered = try coder.decode(event, as: WebhookDelivered.self) {
            record(attempt: delivered.attempt, of: delivered.deliveryID, at: event) { delivery in
                delivery.lastStatus = delivered.status
                delivery.lastError = nil
                delivery.deliveredAt = event.recordedAt
                delivery.nextAttemptAt = nil
            }
        } else if let failed = try coder.decode(event, as: WebhookDeliveryFailed.self) {
            record(attempt: failed.attempt, of: failed.deliveryID, at: event) { delivery in
                delivery.lastStatus = failed.status
                delivery.lastError = failed.error
                delivery.nextAttemptAt = failed.nextAttemptAt
                delivery.gaveUp = failed.nextAttemptAt == nil
            }
        } else if let name = WebhookEventName.byEventType[event.type] {
            try deliver(event, as: name)
        }
    }

    /// Makes the deliveries of an import event (or a test) to the webhooks that want it.
    private mutating func deliver(_ event: RecordedEvent, as name: String) throws {
        let subject = try JSONDecoder().decode(Subject.self, from: event.data)
        let receivers: [WebhookRegistration]
        if let webhookID = subject.webhookID {
            receivers = webhooks[webhookID].map { [$0] } ?? []
        } else {
            // An approval that scans again records that scan among its changes: only the
            // import's own scan is news.
            guard let importID = subject.importID, event.stream == ImportState.stream(importID) else { return }
            receivers = webhooks.values.filter { $0.events.contains(name) }
        }
        for webhook in receivers where webhook.position < event.position && (removedAt[webhook.id] ?? .max) > event.position {
            let id = WebhookDelivery.id(webhook: webhook.id, position: event.position)
            deliveries[id] = WebhookDelivery(
                id: id, webhookID: webhook.id, event: name, importID: subject.importID, position: event.position, occurredAt: event.recordedAt)
        }
    }

    private mutating func record(attempt: Int, of deliveryID: UUID, at event: RecordedEvent, _ change: (inout WebhookDelivery) -> Void) {
        // A delivery whose event came before the part of the log read was finished then.
        guard var delivery = deliveries[deliveryID] else { return }
        delivery.attempts = attempt
        delivery.firstAttemptAt = delivery.firstAttemptAt ?? event.recordedAt
        delivery.lastAttemptAt = event.recordedAt
        delivery.version = event.version
        change(&delivery)
        deliveries[deliveryID] = delivery
    }

    /// What a delivery's event is about: an import's, or a test's webhook.
    private struct Subject: Decodable {
        var importID: UUID?
        var webhookID: UUID?
    }
}
