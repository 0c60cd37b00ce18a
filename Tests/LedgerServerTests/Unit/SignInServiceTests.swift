import Foundation
import Ledger
import Testing

@testable import LedgerServer

@Suite struct SignInServiceTests {
    @Test func refusalsAreSlowedDownMoreEachTimeAndRecorded() async throws {
        let server = try await TestServer()
        let service = SignInService(ledger: server.ledger, passwords: TestServer.passwords, refusalDelay: .milliseconds(100))
        let clock = ContinuousClock()
        var waits: [Duration] = []
        for _ in 0..<3 {
            let started = clock.now
            await #expect(throws: ServerError.self) {
                try await service.signIn(email: server.importer.email, password: "guess", via: .ui, clientAddress: "192.0.2.7")
            }
            waits.append(clock.now - started)
        }
        #expect(waits[0] >= .milliseconds(100) && waits[1] >= .milliseconds(200) && waits[2] >= .milliseconds(400))
        let account = try await service.signIn(email: server.importer.email, password: TestServer.password, via: .ui, clientAddress: nil)
        #expect(account.id == server.importer.id)
        // The first refusal is recorded, the next two counted in one event before the sign-in.
        let trail = try server.ledger.audit(user: server.importer.email)
        #expect(trail.suffix(3).map(\.action) == ["SignInFailed", "SignInFailed", "SignedIn"])
        #expect(trail.suffix(2).first?.outcome.hasPrefix("2 more refusals") == true)
    }

    /// Fifty wrong passwords for one account were fifty events for ever: the first is recorded,
    /// the rest are counted and recorded as one event when the person signs in.
    @Test func repeatedRefusalsAreRecordedAsOneCountedEvent() async throws {
        let server = try await TestServer()
        let service = SignInService(ledger: server.ledger, passwords: TestServer.passwords, refusalDelay: .zero)
        let before = try server.ledger.lastPosition()
        for n in 0..<50 {
            await #expect(throws: ServerError.self) {
                try await service.signIn(email: server.importer.email, password: "guess \(n)", via: .api, clientAddress: "192.0.2.\(n % 3)")
            }
        }
        #expect(try server.ledger.lastPosition() == before + 1)
        _ = try await service.signIn(email: server.importer.email, password: TestServer.password, via: .api, clientAddress: "192.0.2.1")
        #expect(try server.ledger.lastPosition() == before + 3)
        let refusals = try failedSignIns(of: server.importer, in: server.ledger)
        #expect(refusals.count == 2)
        #expect(refusals.map { $0.repeats?.attempts ?? 1 }.reduce(0, +) == 50)
        #expect(refusals.last?.repeats?.attempts == 49 && refusals.last?.clientAddress == "192.0.2.1")
    }

    /// A window ends on its own, by the clock: what it counted is taken out once, and the next
    /// refusal opens a window of its own, to be recorded itself.
    @Test func aWindowEndsFifteenMinutesAfterItsRecordedRefusal() async throws {
        let account = try await TestServer().auditor
        var repeated = RepeatedRefusals(window: 900)
        let opened = Date(timeIntervalSince1970: 1_800_000_000)
        let recordedFirst = repeated.count(account, reason: "wrong password", via: .ui, clientAddress: "192.0.2.1", at: opened)
        let recordedNext = (1...4).map { second in
            repeated.count(account, reason: "user disabled", via: .api, clientAddress: "192.0.2.2", at: opened + Double(second))
        }
        #expect(recordedFirst && recordedNext == [false, false, false, false])
        let early = repeated.ended(by: opened + 899)
        let ended = repeated.ended(by: opened + 900)
        let again = repeated.ended(by: opened + 901)
        #expect(early.isEmpty && again.isEmpty)
        #expect(ended.map(\.repeats) == [SignInFailed.Repeats(attempts: 4, first: opened + 1, last: opened + 4)])
        #expect(ended.first?.reason == "user disabled" && ended.first?.clientAddress == "192.0.2.2" && ended.first?.via == .api)
        let recordedAfter = repeated.count(account, reason: "wrong password", via: .ui, clientAddress: nil, at: opened + 901)
        #expect(recordedAfter)
    }

    /// What is still only counted when the server stops is recorded then, not lost.
    @Test func countedRefusalsAreRecordedWhenTheServerStops() async throws {
        let server = try await TestServer()
        let service = SignInService(ledger: server.ledger, passwords: TestServer.passwords, refusalDelay: .zero)
        for _ in 0..<3 {
            await #expect(throws: ServerError.self) { try await service.signIn(email: server.auditor.email, password: "guess", via: .ui, clientAddress: nil) }
        }
        #expect(try failedSignIns(of: server.auditor, in: server.ledger).map { $0.repeats?.attempts } == [nil])
        try await service.recordCountedRefusals()
        #expect(try failedSignIns(of: server.auditor, in: server.ledger).map { $0.repeats?.attempts } == [nil, 2])
    }

    func failedSignIns(of account: UserAccount, in ledger: Ledger) throws -> [SignInFailed] {
        try ledger.events(in: UserAccount.stream(account.id)).compactMap { try EventCoder.ledger.decode($0, as: SignInFailed.self) }
    }

    @Test func aDisabledPersonCannotSignInEvenWithTheRightPassword() async throws {
        let server = try await TestServer()
        let service = SignInService(ledger: server.ledger, passwords: TestServer.passwords, refusalDelay: .zero)
        _ = try await service.signIn(email: server.auditor.email, password: TestServer.password, via: .api, clientAddress: nil)
        try server.ledger.disableUser(server.auditor.id, actor: server.admin.actor(via: .cli))
        await #expect(throws: ServerError.self) {
            try await service.signIn(email: server.auditor.email, password: TestServer.password, via: .api, clientAddress: nil)
        }
    }

    /// Many e-mails tried from one machine are slowed as one person's guesses are.
    @Test func refusalsFromOneClientAddressAreSlowedWhateverTheEmail() async throws {
        let server = try await TestServer()
        let service = SignInService(ledger: server.ledger, passwords: TestServer.passwords, refusalDelay: .milliseconds(50))
        let clock = ContinuousClock()
        func refusal(_ email: String, from address: String) async -> Duration {
            let started = clock.now
            await #expect(throws: ServerError.self) { try await service.signIn(email: email, password: "guess", via: .api, clientAddress: address) }
            return clock.now - started
        }
        _ = await refusal("warm-up@nowhere.example", from: "198.51.100.1")
        var waits: [Duration] = []
        for n in 0..<3 { waits.append(await refusal("nobody\(n)@nowhere.example", from: "192.0.2.9")) }
        #expect(waits[0] >= .milliseconds(50) && waits[1] >= .milliseconds(100) && waits[2] >= .milliseconds(200), "\(waits)")
    }

    /// A refused e-mail that names nobody costs the same bcrypt check as a wrong password, so
    /// the time of a refusal does not tell which e-mails have accounts.
    @Test func anUnknownEmailTakesAsLongAsAWrongPassword() async throws {
        let server = try await TestServer()
        let passwords = Passwords(cost: 10)
        let service = SignInService(ledger: server.ledger, passwords: passwords, refusalDelay: .zero)
        let clock = ContinuousClock()
        func median(_ email: String) async -> Duration {
            var times: [Duration] = []
            for _ in 0..<5 {
                let started = clock.now
                await #expect(throws: ServerError.self) { try await service.signIn(email: email, password: "guess", via: .api, clientAddress: nil) }
                times.append(clock.now - started)
            }
            return times.sorted()[2]
        }
        _ = await median("first@nowhere.example")
        let (known, unknown) = (await median(server.importer.email), await median("nobody@nowhere.example"))
        #expect(unknown * 2 >= known, "unknown \(unknown), known \(known)")
    }

    /// The probe's 500 made-up e-mails had made 500 events for ever: refusals that name nobody
    /// go to the server's log; those against an account stay in the audit trail.
    @Test func onlyRefusalsAgainstAnAccountAreRecordedInTheLog() async throws {
        let server = try await TestServer()
        let service = SignInService(ledger: server.ledger, passwords: TestServer.passwords, refusalDelay: .zero)
        let before = try server.ledger.lastPosition()
        for n in 0..<20 {
            await #expect(throws: ServerError.self) { try await service.signIn(email: "nobody\(n)@nowhere.example", password: "guess", via: .api, clientAddress: "203.0.113.5") }
        }
        #expect(try server.ledger.lastPosition() == before)
        await #expect(throws: ServerError.self) { try await service.signIn(email: server.auditor.email, password: "guess", via: .api, clientAddress: "203.0.113.5") }
        #expect(try server.ledger.audit(user: server.auditor.email).filter { $0.action == "SignInFailed" }.count == 1)
    }

    @Test func noMoreThanTheLimitRunAtOnce() async throws {
        let limit = ConcurrencyLimit(2)
        let counts = Counts()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await limit.run {
                        await counts.start()
                        try await Task.sleep(for: .milliseconds(10))
                        await counts.end()
                    }
                }
            }
            try await group.waitForAll()
        }
        let (most, finished) = (await counts.most, await counts.finished)
        #expect(most == 2 && finished == 10)
    }

    actor Counts {
        private(set) var running = 0, most = 0, finished = 0
        func start() { running += 1; most = max(most, running) }
        func end() { running -= 1; finished += 1 }
    }
}
