import DataExchange
import Foundation
@testable import Ledger
import Testing
import TestSupport

/// Approval policies: what a policy approves without a person, and what it leaves for one.
@Suite struct ApprovalPolicyTests {
    private let scratch: TemporaryFolder
    private let databases: ContractDatabases
    private let opened = OpenedLedger()
    var ledger: Ledger { opened.ledger! }
    static let ada = ImportLifecycleTests.ada
    static let clean = ApprovalTests.first.filter { !$0.hasPrefix("A2,") && !$0.hasPrefix("A3,") }

    init() throws {
        scratch = try TemporaryFolder("ledger-policies")
        databases = try ContractDatabases()
    }

    func use(_ backend: StorageBackend) throws { opened.ledger = try databases.ledger(backend, in: scratch.url) }

    func importRows(_ rows: [String], via: Actor.Via = .api) throws -> UUID {
        let url = scratch.url.appendingPathComponent(UUID().uuidString + ".csv")
        try ([ApprovalTests.header] + rows).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        var actor = Self.ada
        actor.via = via
        return try ledger.importFile(at: url, actor: actor).id
    }

    func scan(errors: Int = 0, fileErrors: Int = 0, byCode: [String: Int] = [:]) -> ScanCompleted {
        ScanCompleted(
            importID: UUID(), kind: .accountsAndAssets, encoding: .utf8, specificationVersion: "test", records: 10, ready: 10 - errors,
            recordsWithErrors: errors, errors: errors, warnings: byCode.values.reduce(0, +), fileErrors: fileErrors, byCode: byCode, byColumn: [:],
            report: BlobReference(sha256: "", size: 0), ledgerPosition: 0, sameFileAs: nil, outcomes: nil)
    }

    @Test func eachPolicyApprovesWhatItSaysAndNothingMore() {
        let clean = scan()
        let unusualPhone = scan(byCode: ["unusual-phone": 2])
        let errors = scan(errors: 1, byCode: ["invalid-date": 1])
        let fileLevel = scan(fileErrors: 1, byCode: ["missing-key-column": 1])
        #expect(!ApprovalPolicy.manual.approves(clean))
        #expect(ApprovalPolicy.autoWhenClean.approves(clean) && ApprovalPolicy.autoWhenClean.approves(unusualPhone))
        for warning in ["meter-moved", "endpoint-moved", "account-changed", "backdated-entry"] {
            let change = scan(byCode: [warning: 1])
            #expect(!ApprovalPolicy.autoWhenClean.approves(change), "auto-when-clean approved a file with \(warning)")
            #expect(ApprovalPolicy.autoUnlessErrors.approves(change))
        }
        for refused in [errors, fileLevel] {
            #expect(!ApprovalPolicy.autoWhenClean.approves(refused) && !ApprovalPolicy.autoUnlessErrors.approves(refused))
        }
    }

    @Test func aFileMayAskForLessThanItsPolicyNeverMore() throws {
        #expect(ApprovalPolicy.autoUnlessErrors.allows(.autoWhenClean) && ApprovalPolicy.autoUnlessErrors.allows(.manual))
        #expect(!ApprovalPolicy.autoWhenClean.allows(.autoUnlessErrors) && !ApprovalPolicy.manual.allows(.autoWhenClean))
        #expect(try ApprovalPolicy(named: "when-clean") == .autoWhenClean && (try ApprovalPolicy(named: "auto-unless-errors")) == .autoUnlessErrors)
        #expect(throws: LedgerError.self) { try ApprovalPolicy(named: "always") }
    }

    @Test(arguments: StorageBackend.allCases) func aPolicyChangeIsAnEventWithWhoAndWhen(backend: StorageBackend) throws {
        try use(backend)
        #expect(try ledger.approvalPolicies()[.inbox] == .manual)
        try ledger.setApprovalPolicy(.autoWhenClean, for: .inbox, actor: Self.ada)
        try ledger.setApprovalPolicy(.autoWhenClean, for: .inbox, actor: Self.ada)
        try ledger.setApprovalPolicy(.autoUnlessErrors, for: .api, actor: Self.ada)
        let policies = try ledger.approvalPolicies()
        #expect(policies[.inbox] == .autoWhenClean && policies[.api] == .autoUnlessErrors && policies[.ui] == .manual)
        #expect(policies.setting(of: .inbox).setBy?.email == Self.ada.email && policies.setting(of: .ui).setBy == nil)
        // Setting the policy a source already has records nothing.
        #expect(try ledger.events(in: "approval-policies").map(\.type) == ["ApprovalPolicySet", "ApprovalPolicySet"])
        #expect(try ledger.approvalPolicy(for: .api, requested: .autoWhenClean) == .autoWhenClean)
        #expect(throws: LedgerError.self) { try ledger.approvalPolicy(for: .inbox, requested: .autoUnlessErrors) }
        #expect(throws: LedgerError.self) { try ledger.approvalPolicy(for: .ui, requested: .autoWhenClean) }
    }

    @Test(arguments: StorageBackend.allCases) func aCleanFileIsApprovedInThePolicysName(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows(Self.clean)
        let outcome = try ledger.approveIfPolicyAllows(id, policy: .autoWhenClean, via: .api)
        #expect(outcome?.imported == 1)
        let entry = try ledger.activityEntry(id)
        #expect(entry.status == "imported" && entry.decidedByName == "policy auto-when-clean" && entry.via == "api")
        let approved = try ledger.events(in: ImportState.stream(id)).compactMap { try EventCoder.ledger.decode($0, as: ImportApproved.self) }
        #expect(approved.map(\.policy) == [.autoWhenClean])
        #expect(try ledger.approveIfPolicyAllows(id, policy: .autoWhenClean, via: .api) == nil, "an imported import was approved again")
    }

    @Test(arguments: StorageBackend.allCases) func aMoveWaitsForAPersonUnderAutoWhenClean(backend: StorageBackend) throws {
        try use(backend)
        try ledger.approve(try importRows(Self.clean), actor: Self.ada)
        let move = try importRows(["A1,L9,001,W,M1,,,,,,,,2021-01-15,,,"])
        #expect(try ledger.importState(move).scan?.byCode["meter-moved"] == 1)
        #expect(try ledger.approveIfPolicyAllows(move, policy: .autoWhenClean, via: .api) == nil)
        #expect(try ledger.importState(move).status == .scanned)
        #expect(try ledger.approveIfPolicyAllows(move, policy: .autoUnlessErrors, via: .api)?.imported == 1)
        #expect(try ledger.activityEntry(move).decidedByName == "policy auto-unless-errors")
    }

    @Test(arguments: StorageBackend.allCases) func aFileWithErrorsWaitsForAPersonUnderEveryPolicy(backend: StorageBackend) throws {
        try use(backend)
        let id = try importRows(ApprovalTests.first)
        #expect(try ledger.importState(id).scan?.errors ?? 0 > 0)
        for policy in ApprovalPolicy.allCases { #expect(try ledger.approveIfPolicyAllows(id, policy: policy, via: .api) == nil) }
        #expect(try ledger.importState(id).status == .scanned)
    }
}
