import Foundation
@testable import Ledger
import Logging
import Testing
import TestSupport
import Webhooks

/// Webhooks sent by a real dispatcher, over real HTTP, to a real receiver, from a real ledger file.
@Suite struct WebhookDeliveryTests {
    private let scratch: TemporaryFolder
    let path: String
    let ledger: Ledger
    static let ada = Actor(name: "Ada Lovelace", email: "ada@utility.example", via: .cli)

    init() throws {
        scratch = try TemporaryFolder("ledger-webhooks")
        path = scratch.appendingPathComponent("ledger.sqlite").path
        ledger = try Ledger(path: path)
    }

    /// A dispatcher that polls often and retries at once, so that tests wait for no schedule.
    static func dispatcher(_ ledger: Ledger, retries: WebhookRetrySchedule = WebhookRetrySchedule(delays: [.milliseconds(100)], giveUpAfter: .seconds(60)))
        -> WebhookDispatcher
    {
        var configuration = WebhookDispatcher.Configuration(publicURL: "https://ledger.example", actor: Actor(name: "test", email: "", via: .cli))
        configuration.pollInterval = .milliseconds(200)
        configuration.retries = retries
        var logger = Logger(label: "webhooks-test")
        logger.logLevel = .warning
        return WebhookDispatcher(ledger: ledger, configuration: configuration, logger: logger)
    }

    /// Runs `dispatcher` until the returned task is cancelled.
    static func start(_ dispatcher: WebhookDispatcher) -> Task<Void, Never> { Task { await dispatcher.run() } }

    static func stop(_ running: Task<Void, Never>) async {
        running.cancel()
        await running.value
    }

    /// Waits until `condition` holds; fails the test after `timeout`. The dispatchers run on the
    /// cooperative threads, two on a 2-core machine, which the synchronous suites running beside
    /// these hold for seconds at a time: the wait is long, and the condition is asked once more
    /// when it ends, since this task may itself have waited past the end for a thread.
    static func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async throws {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        if try condition() { return }
        Issue.record("timed out waiting for \(what)")
    }

    func file(_ name: String, rows: Int = 2, meter: String = "M") throws -> URL {
        let header = "Account_ID,Location_ID,Service_Point_ID,Service_Point_Type,Meter_ID,Meter_Manufacturer,Meter_Model,Meter_Size,Meter_Size_Unit,Meter_Continuous_Flow,Register_Unit_Of_Measure,Register_Resolution,Meter_Install_Date"
        let lines = (1...rows).map { "A\(meter)\($0),L\(meter)\($0),001,W,\(meter)\($0),Neptune,T-10,0.625,IN,N,GAL,1,2020-01-15" }
            + ["A\(meter)99,L\(meter)99,001,W,\(meter)99,Neptune,T-10,0.625,IN,N,GAL,1,3/7/2024"]
        let url = scratch.appendingPathComponent(name)
        try ([header] + lines).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func aScannedImportReachesTheReceiverSignedAndOnlyWantedEventsAreSent() async throws {
        let receiver = try await Receiver()
        let (scans, secret) = try ledger.registerWebhook(url: receiver.url("/scans"), events: ["import.scanned"], actor: Self.ada)
        _ = try ledger.registerWebhook(url: receiver.url("/outcomes"), events: ["import.approved", "import.done"], secret: "s3cret", actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        let outcome = try ledger.importFile(at: try file("export.csv"), actor: Self.ada)
        try await Self.eventually("the scan's delivery") { receiver.received(at: "/scans").count == 1 }

        let request = try #require(receiver.received(at: "/scans").first)
        let timestamp = try #require(request.header("X-Ledger-Timestamp").flatMap(Int.init))
        let signature = try #require(request.header("X-Ledger-Signature"))
        #expect(WebhookSignature.isValid(signature, body: request.body, timestamp: timestamp, secret: secret))
        #expect(!WebhookSignature.isValid(signature, body: request.body, timestamp: timestamp, secret: "another"))
        #expect(!WebhookSignature.isValid(signature, body: request.body + Data(" ".utf8), timestamp: timestamp, secret: secret))
        #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 60)
        #expect(request.header("X-Ledger-Event") == "import.scanned")
        #expect(request.header("Content-Type") == "application/json")
        let body = request.json
        #expect(body["event"] as? String == "import.scanned")
        #expect(body["id"] as? String == request.header("X-Ledger-Delivery"))
        let summary = try #require(body["import"] as? [String: Any])
        #expect(summary["id"] as? String == outcome.id.lowercasedString)
        #expect(summary["file"] as? String == "export.csv" && summary["state"] as? String == "scanned")
        #expect(summary["records"] as? Int == outcome.summary.records && summary["ready"] as? Int == outcome.summary.ready)
        #expect(summary["errors"] as? Int == outcome.summary.errors && summary["warnings"] as? Int == outcome.summary.warnings)
        #expect(summary["droppedBy"] as? String == "ada@utility.example" && summary["via"] as? String == "cli")
        let links = try #require(body["links"] as? [String: String])
        #expect(links["import"] == "https://ledger.example/v1/bde/import/\(outcome.id.lowercasedString)")
        #expect(links["exceptions"] == "https://ledger.example/v1/bde/import/\(outcome.id.lowercasedString)/report")
        #expect(receiver.received(at: "/outcomes").isEmpty)

        _ = try ledger.approve(outcome.id, actor: Self.ada)
        try await Self.eventually("the approval's and the completion's deliveries") { receiver.received(at: "/outcomes").count == 2 }
        // Sent at once, each on its own: they may arrive in either order.
        #expect(receiver.received(at: "/outcomes").compactMap { $0.header("X-Ledger-Event") }.sorted() == ["import.approved", "import.done"])
        let done = try #require(receiver.received(at: "/outcomes").first { $0.header("X-Ledger-Event") == "import.done" })
        #expect((done.json["import"] as? [String: Any])?["state"] as? String == "imported")
        #expect((done.json["import"] as? [String: Any])?["decidedBy"] as? String == "ada@utility.example")
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.received(at: "/scans").count == 1, "a webhook is sent only the events it wants")
        #expect(try ledger.webhookDeliveries(of: scans.id).map(\.event) == ["import.scanned"])
        #expect(try ledger.webhookDeliveries().allSatisfy { $0.deliveredAt != nil && $0.attempts == 1 && $0.lastStatus == 200 })
        await Self.stop(running)
        await receiver.stop()
    }

    @Test func aReceiverThatAnswers503GetsTheEventOnceItRecovers() async throws {
        let receiver = try await Receiver(behaviour: .answer(.serviceUnavailable))
        let (webhook, _) = try ledger.registerWebhook(url: receiver.url(), events: ["import.scanned"], actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        _ = try ledger.importFile(at: try file("export.csv"), actor: Self.ada)
        try await Self.eventually("two failed attempts") { try ledger.webhookDeliveries(of: webhook.id).first?.attempts ?? 0 >= 2 }
        let failing = try #require(try ledger.webhookDeliveries(of: webhook.id).first)
        #expect(failing.lastStatus == 503 && failing.deliveredAt == nil && failing.nextAttemptAt != nil && !failing.gaveUp)

        receiver.behave(.accept)
        try await Self.eventually("the delivery") { try ledger.webhookDeliveries(of: webhook.id).first?.deliveredAt != nil }
        let delivered = try #require(try ledger.webhookDeliveries(of: webhook.id).first)
        #expect(delivered.lastStatus == 200 && delivered.attempts >= 3 && delivered.nextAttemptAt == nil)
        #expect(Set(receiver.received.compactMap { $0.header("X-Ledger-Delivery") }) == [delivered.id.lowercasedString], "every attempt is the same delivery")
        await Self.stop(running)
        await receiver.stop()
    }

    @Test func aReceiverThatIsNotListeningGetsTheEventWhenItComesBack() async throws {
        let gone = try await Receiver()
        let port = gone.port
        await gone.stop()
        let (webhook, _) = try ledger.registerWebhook(url: "http://127.0.0.1:\(port)/hook", events: ["import.scanned"], actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        _ = try ledger.importFile(at: try file("export.csv"), actor: Self.ada)
        try await Self.eventually("a failed attempt") { try ledger.webhookDeliveries(of: webhook.id).first?.attempts ?? 0 >= 1 }
        let failing = try #require(try ledger.webhookDeliveries(of: webhook.id).first)
        #expect(failing.lastStatus == nil && failing.lastError != nil && failing.deliveredAt == nil)

        let back = try await Receiver(port: port)
        try await Self.eventually("the delivery") { back.received.count == 1 }
        try await Self.eventually("the delivery recorded") { try ledger.webhookDeliveries(of: webhook.id).first?.deliveredAt != nil }
        await Self.stop(running)
        await back.stop()
    }

    @Test func aDeliveryIsGivenUpWhenItsTimeIsOver() async throws {
        let receiver = try await Receiver(behaviour: .answer(.internalServerError))
        let (webhook, _) = try ledger.registerWebhook(url: receiver.url(), events: ["import.scanned"], actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger, retries: WebhookRetrySchedule(delays: [.milliseconds(100)], giveUpAfter: .milliseconds(300))))
        _ = try ledger.importFile(at: try file("export.csv"), actor: Self.ada)
        try await Self.eventually("giving up") { try ledger.webhookDeliveries(of: webhook.id).first?.gaveUp == true }
        let attempts = receiver.received.count
        try await Task.sleep(for: .milliseconds(700))
        #expect(receiver.received.count == attempts, "nothing is sent once given up")
        #expect(try ledger.webhookDeliveries(of: webhook.id).first?.nextAttemptAt == nil)
        await Self.stop(running)
        await receiver.stop()
    }

    @Test func aSlowReceiverDoesNotHoldUpImports() async throws {
        let receiver = try await Receiver(behaviour: .slow(.seconds(5)))
        _ = try ledger.registerWebhook(url: receiver.url(), events: WebhookEventName.subscribable, actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        let clock = ContinuousClock()
        let first = try ledger.importFile(at: try file("first.csv"), actor: Self.ada)
        try await Self.eventually("the receiver to be holding a delivery") { receiver.received.count == 1 }
        var outcome: Ledger.ImportOutcome?
        let imported = try clock.measure { outcome = try ledger.importFile(at: try file("second.csv", meter: "N"), actor: Self.ada) }
        let approved = try clock.measure { _ = try ledger.approve(try #require(outcome).id, actor: Self.ada) }
        let cancelled = try clock.measure { try ledger.cancel(first.id, reason: nil, actor: Self.ada) }
        #expect(imported < .seconds(2) && approved < .seconds(2) && cancelled < .seconds(2), "\(imported), \(approved), \(cancelled)")
        // Each delivery has its own request: the others do not queue behind the slow one.
        try await Self.eventually("every delivery under way", timeout: .seconds(4)) { receiver.received.count == 5 }
        await Self.stop(running)
        await receiver.stop()
    }

    @Test func aRestartDeliversWhatWasPendingExactlyOnce() async throws {
        let receiver = try await Receiver()
        _ = try ledger.registerWebhook(url: receiver.url(), events: ["import.scanned", "import.cancelled"], actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        let first = try ledger.importFile(at: try file("first.csv"), actor: Self.ada)
        try await Self.eventually("the first delivery") { receiver.received.count == 1 }
        try await Self.eventually("the first delivery recorded") { try ledger.webhookDeliveries().first?.deliveredAt != nil }
        await Self.stop(running)

        // While no dispatcher runs.
        _ = try ledger.importFile(at: try file("second.csv", meter: "N"), actor: Self.ada)
        try ledger.cancel(first.id, reason: nil, actor: Self.ada)
        try await Task.sleep(for: .milliseconds(300))
        #expect(receiver.received.count == 1)

        let reopened = try Ledger(path: path)
        let restarted = Self.start(Self.dispatcher(reopened))
        try await Self.eventually("what was pending") { receiver.received.count == 3 }
        try await Task.sleep(for: .milliseconds(600))
        let ids = receiver.received.compactMap { $0.header("X-Ledger-Delivery") }
        #expect(ids.count == 3 && Set(ids).count == 3, "each event once: \(ids)")
        #expect(receiver.received.compactMap { $0.header("X-Ledger-Event") }.sorted() == ["import.cancelled", "import.scanned", "import.scanned"])
        #expect(try reopened.webhookDeliveries().allSatisfy { $0.deliveredAt != nil })
        await Self.stop(restarted)
        await receiver.stop()
    }

    @Test func twoDispatchersOnOneLedgerDeliverEachEventOnce() async throws {
        let receiver = try await Receiver()
        _ = try ledger.registerWebhook(url: receiver.url(), events: ["import.scanned"], actor: Self.ada)
        let other = try Ledger(path: path)
        let one = Self.start(Self.dispatcher(ledger)), two = Self.start(Self.dispatcher(other))
        for index in 0..<6 {
            _ = try ledger.importFile(at: try file("file\(index).csv", meter: "M\(index)-"), actor: Self.ada)
        }
        try await Self.eventually("six deliveries") { try ledger.webhookDeliveries().filter { $0.deliveredAt != nil }.count == 6 }
        try await Task.sleep(for: .milliseconds(800))
        let ids = receiver.received.compactMap { $0.header("X-Ledger-Delivery") }
        #expect(ids.count == 6 && Set(ids).count == 6, "each event once: \(ids.count) requests")
        #expect(try ledger.webhookDeliveries().allSatisfy { $0.attempts == 1 })
        await Self.stop(one)
        await Self.stop(two)
        await receiver.stop()
    }

    @Test func aTestEventIsDeliveredToItsWebhookOnly() async throws {
        let receiver = try await Receiver()
        let (tested, secret) = try ledger.registerWebhook(url: receiver.url("/tested"), events: ["import.done"], actor: Self.ada)
        _ = try ledger.registerWebhook(url: receiver.url("/other"), events: ["import.done"], actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        let delivery = try ledger.sendTestEvent(to: tested.id, actor: Self.ada)
        try await Self.eventually("the test event") { receiver.received.count == 1 }
        let request = try #require(receiver.received.first)
        #expect(request.path == "/tested" && request.header("X-Ledger-Event") == "test")
        #expect(request.header("X-Ledger-Delivery") == delivery.lowercasedString)
        #expect(request.json["webhook"] as? String == tested.id.lowercasedString && request.json["import"] == nil)
        let timestamp = try #require(request.header("X-Ledger-Timestamp").flatMap(Int.init))
        #expect(WebhookSignature.isValid(try #require(request.header("X-Ledger-Signature")), body: request.body, timestamp: timestamp, secret: secret))
        await Self.stop(running)
        await receiver.stop()
    }

    @Test func theSecretIsKeptOutOfTheLog() throws {
        let secret = "a-secret-nobody-may-read-in-a-backup-\(UUID().uuidString)"
        let (webhook, shown) = try ledger.registerWebhook(url: "https://receiver.example/hook", events: ["import.done"], secret: secret, actor: Self.ada)
        #expect(shown == secret)
        #expect(try ledger.webhookSecret(of: webhook.id) == secret)
        var logged = 0
        try ledger.storage.forEachLoggedEvent { event in
            logged += 1
            #expect(!String(decoding: event.data + event.metadata, as: UTF8.self).contains(secret))
        }
        #expect(logged == 1)
        // A secret made for a webhook: 32 random bytes, hex.
        let (_, made) = try ledger.registerWebhook(url: "https://receiver.example/other", events: ["import.done"], actor: Self.ada)
        #expect(made.count == 64 && made.allSatisfy(\.isHexDigit))
    }

    @Test func aRemovedWebhookIsSentNothingMore() async throws {
        let receiver = try await Receiver(behaviour: .answer(.serviceUnavailable))
        let (webhook, _) = try ledger.registerWebhook(url: receiver.url(), events: ["import.scanned"], actor: Self.ada)
        let running = Self.start(Self.dispatcher(ledger))
        _ = try ledger.importFile(at: try file("export.csv"), actor: Self.ada)
        try await Self.eventually("a failed attempt") { !receiver.received.isEmpty }
        try ledger.removeWebhook(webhook.id, actor: Self.ada)
        #expect(try ledger.webhooks().isEmpty)
        // Its deliveries are no longer listed with those in use, but are still its own.
        #expect(try ledger.webhookDeliveries().isEmpty && ledger.webhookDeliveries(of: webhook.id).count == 1)
        try await Task.sleep(for: .milliseconds(400))
        let attempts = receiver.received.count
        try await Task.sleep(for: .milliseconds(600))
        #expect(receiver.received.count == attempts)
        await Self.stop(running)
        await receiver.stop()
    }

    @Test(arguments: [
        ("ftp://receiver.example/hook", ["import.done"], "is not an http:// or https:// address"),
        ("https:///hook", ["import.done"], "is not an http:// or https:// address"),
        ("https://receiver.example/hook", [], "Name at least one event"),
        ("https://receiver.example/hook", ["import.finished"], "import.finished is no event"),
    ])
    func aRegistrationThatCannotBeUsedIsRefused(url: String, events: [String], message: String) throws {
        let error = try #require(throws: LedgerError.self) { try ledger.registerWebhook(url: url, events: events, actor: Self.ada) }
        #expect(error.code == .invalidArgument && error.message.contains(message), "\(error.message)")
    }

    @Test func aSignatureIsHMACSHA256OfTheTimestampAndTheBody() {
        // Computed with Python's hmac module, as docs/api.md shows a receiver doing.
        let header = WebhookSignature.header(body: Data(#"{"event":"test"}"#.utf8), timestamp: 1_700_000_000, secret: "top secret")
        #expect(header == "sha256=8e0af5a76da2ee78aa3a103632a436f5649fe8d5ad0b53e2502ba136dd431965")
    }

    @Test func theScheduleBacksOffAndGivesUpAfterADay() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let schedule = WebhookRetrySchedule.standard
        #expect(schedule.nextAttempt(after: 1, firstAttemptAt: start, now: start) == start.addingTimeInterval(10))
        #expect(schedule.nextAttempt(after: 3, firstAttemptAt: start, now: start.addingTimeInterval(100)) == start.addingTimeInterval(160))
        #expect(schedule.nextAttempt(after: 20, firstAttemptAt: start, now: start.addingTimeInterval(3600)) == start.addingTimeInterval(7200))
        #expect(schedule.nextAttempt(after: 30, firstAttemptAt: start, now: start.addingTimeInterval(84_000)) == nil)
    }

    @Test func aWebhookRegisteredOrRemovedByAnotherProcessIsSeenAtTheNextRead() throws {
        #expect(try ledger.webhooks().isEmpty)
        let other = try Ledger(path: path)
        let (webhook, _) = try other.registerWebhook(url: "https://cis.example/hooks", events: ["import.done"], actor: Self.ada)
        #expect(try ledger.webhooks().map(\.id) == [webhook.id])
        try other.removeWebhook(webhook.id, actor: Self.ada)
        #expect(try ledger.webhooks().isEmpty)
        #expect(try other.webhooks().isEmpty && (try Ledger(path: path).webhooks()).isEmpty)
    }
}
