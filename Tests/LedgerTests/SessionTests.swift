import Foundation
import GRDB
import Ledger
import Testing
import TestSupport

/// Sessions kept by the ledger's database: any server on it, and the next one started, knows
/// them; the database keeps only their tokens' hashes.
@Suite struct SessionTests {
    private let scratch: TemporaryFolder
    var path: String { scratch.appendingPathComponent("ledger.sqlite").path }
    let ledger: Ledger
    static let admin = Actor(name: "Ada", email: "ada@utility.example", via: .cli)

    init() throws {
        scratch = try TemporaryFolder("ledger-sessions")
        ledger = try Ledger(path: scratch.appendingPathComponent("ledger.sqlite").path)
    }

    @Test func aSessionIsKnownUntilItExpiresOrEnds() throws {
        let start = Date()
        let user = UUID()
        let session = try ledger.startSession(for: user, lasting: 60, now: start)
        #expect(try ledger.session(session.token, now: start.addingTimeInterval(59)) == session)
        #expect(try ledger.session(session.token, now: start.addingTimeInterval(60)) == nil)
        #expect(try ledger.session(session.token + "x", now: start) == nil)
        try ledger.endSession(session.token)
        #expect(try ledger.session(session.token, now: start) == nil)
    }

    @Test func anotherProcessOnTheSameFileKnowsTheSession() throws {
        let session = try ledger.startSession(for: nil, lasting: 600)
        let other = try Ledger(path: path)
        #expect(try other.session(session.token) == session)
        #expect(session.userID == nil && session.csrfToken != session.token)
    }

    @Test func theDatabaseKeepsNoTokenOnlyItsHash() throws {
        let session = try ledger.startSession(for: UUID(), lasting: 600)
        let rows = try DatabaseQueue(path: path).read { db in try Row.fetchAll(db, sql: "SELECT * FROM sessions") }
        #expect(rows.count == 1)
        let stored = rows.flatMap { row in row.columnNames.map { row[$0] as String? ?? "" } }
        #expect(!stored.contains { $0.contains(session.token) })
        #expect(stored.contains(session.csrfToken))
    }

    @Test func startingASessionRemovesExpiredOnes() throws {
        let start = Date()
        _ = try ledger.startSession(for: nil, lasting: 10, now: start)
        let kept = try ledger.startSession(for: nil, lasting: 600, now: start)
        _ = try ledger.startSession(for: nil, lasting: 600, now: start.addingTimeInterval(11))
        let count = try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions") }
        #expect(count == 2)
        #expect(try ledger.session(kept.token, now: start.addingTimeInterval(11)) == kept)
    }

    @Test func aPasswordResetOrADisabledAccountEndsThePersonsSessionsOnly() throws {
        let ivy = try ledger.createUser(name: "Ivy", email: "ivy@utility.example", role: .importer, passwordHash: "x", actor: Self.admin)
        let otto = try ledger.createUser(name: "Otto", email: "otto@utility.example", role: .auditor, passwordHash: "x", actor: Self.admin)
        let ivysLaptop = try ledger.startSession(for: ivy.id, lasting: 600), ivysPhone = try ledger.startSession(for: ivy.id, lasting: 600)
        let ottos = try ledger.startSession(for: otto.id, lasting: 600)
        try ledger.resetPassword(ivy.id, passwordHash: "y", actor: Self.admin)
        #expect(try ledger.session(ivysLaptop.token) == nil && ledger.session(ivysPhone.token) == nil)
        #expect(try ledger.session(ottos.token) == ottos)
        try ledger.disableUser(otto.id, actor: Self.admin)
        #expect(try ledger.session(ottos.token) == nil)
    }
}
