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
        let trail = try server.ledger.audit(user: server.importer.email).map(\.action)
        #expect(trail.filter { $0 == "SignInFailed" }.count == 3 && trail.last == "SignedIn")
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
}
