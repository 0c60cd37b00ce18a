import DataExchange
import Foundation

/// What happens to an import once its dry run is done: a person approves it, or the policy does
/// when the scan found nothing a person must read first.
public enum ApprovalPolicy: String, Sendable, Codable, CaseIterable {
    /// A person approves: the default.
    case manual
    /// Approved at once when the file has no errors and no configuration-change warnings (no moves,
    /// account changes or backdated entries); anything else waits for a person.
    case autoWhenClean = "auto-when-clean"
    /// Approved at once when the file has no errors; warnings are approved unread.
    case autoUnlessErrors = "auto-unless-errors"

    /// How much it approves without a person: a request may ask for as much as its policy allows, or less.
    private var reach: Int {
        switch self {
        case .manual: 0
        case .autoWhenClean: 1
        case .autoUnlessErrors: 2
        }
    }

    /// Whether a file sent under this policy may ask for `requested` instead.
    public func allows(_ requested: ApprovalPolicy) -> Bool { requested.reach <= reach }

    /// Whether this policy approves an import whose dry run is `scan`, without a person.
    public func approves(_ scan: ScanCompleted) -> Bool {
        guard scan.errors == 0, scan.fileErrors == 0, scan.ready > 0 else { return false }
        switch self {
        case .manual:
            return false
        case .autoWhenClean:
            return !scan.byCode.contains { code, count in count > 0 && ExceptionCode(rawValue: code)?.isConfigurationChange == true }
        case .autoUnlessErrors:
            return true
        }
    }

    /// A policy as a person or a request names it: its name, or without `auto-` (`when-clean`).
    public init(named name: String) throws {
        guard let policy = ApprovalPolicy(rawValue: name) ?? ApprovalPolicy(rawValue: "auto-" + name) else {
            throw LedgerError(
                .invalidArgument, "\(name) is not an approval policy: manual, auto-when-clean (when-clean) or auto-unless-errors (unless-errors).")
        }
        self = policy
    }

    /// The name the Activity List and the audit trail give to an approval by this policy.
    public var approverName: String { "policy \(rawValue)" }
}

/// Where a file comes from, as the policies tell them apart. Files imported at the command line
/// are approved at the command line: no policy applies to them.
public enum IntakeSource: String, Sendable, Codable, CaseIterable, CodingKey {
    case ui, api, inbox

    public init?(via: Actor.Via) {
        switch via {
        case .ui: self = .ui
        case .api: self = .api
        case .inbox: self = .inbox
        case .cli: return nil
        }
    }

    public var via: Actor.Via {
        switch self {
        case .ui: .ui
        case .api: .api
        case .inbox: .inbox
        }
    }
}

/// An administrator set the approval policy of one source of files.
public struct ApprovalPolicySet: EventPayload, Equatable {
    public static let type = "ApprovalPolicySet"
    public static let schemaVersion = 1
    public var source: IntakeSource
    public var policy: ApprovalPolicy

    /// The stream of every policy change: a handful of events in a ledger's life.
    static let stream = "approval-policies"
}

/// The policy of each source, folded from the policy stream, with who set it and when. As JSON
/// (`ledger policy show --json`, `GET /v1/policy`): `{"inbox": {"policy", "setBy", "setAt"}, …}`.
public struct ApprovalPolicies: Sendable, Equatable, Encodable {
    public struct Setting: Sendable, Equatable, Encodable {
        public var policy: ApprovalPolicy
        /// Nil while it is the default, never set.
        public var setBy: Actor?
        public var setAt: Date?
    }

    public private(set) var settings: [IntakeSource: Setting] = [:]
    /// The policy stream's version, for a change that must not overwrite one made meanwhile.
    public private(set) var version: Int64 = 0

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: IntakeSource.self)
        for source in IntakeSource.allCases { try container.encode(setting(of: source), forKey: source) }
    }

    public subscript(source: IntakeSource) -> ApprovalPolicy { settings[source]?.policy ?? .manual }

    public func setting(of source: IntakeSource) -> Setting { settings[source] ?? Setting(policy: .manual) }

    mutating func evolve(_ event: RecordedEvent, coder: EventCoder) throws {
        version = event.version
        if let set = try coder.decode(event, as: ApprovalPolicySet.self) {
            settings[set.source] = Setting(policy: set.policy, setBy: event.metadata.actor, setAt: event.recordedAt)
        }
    }
}

extension Ledger {
    /// Every source's approval policy.
    public func approvalPolicies() throws -> ApprovalPolicies {
        var policies = ApprovalPolicies()
        for event in try storage.events(in: ApprovalPolicySet.stream) { try policies.evolve(event, coder: coder) }
        return policies
    }

    /// Sets the approval policy of `source`, as an event: the audit trail says who chose which
    /// policy, and when. Setting the policy a source has already records nothing.
    public func setApprovalPolicy(_ policy: ApprovalPolicy, for source: IntakeSource, actor: Actor) throws {
        let policies = try approvalPolicies()
        guard policies[source] != policy else { return }
        try record(
            [try coder.event(ApprovalPolicySet(source: source, policy: policy), stream: ApprovalPolicySet.stream, metadata: EventMetadata(actor: actor))],
            expecting: [ApprovalPolicySet.stream: policies.version == 0 ? .noStream : .exactly(policies.version)])
    }

    /// The policy that decides on a file from `source`: its own, or what the sender asked for
    /// within it. Asking for more than the policy allows is refused, before anything is stored.
    public func approvalPolicy(for source: IntakeSource, requested: ApprovalPolicy? = nil) throws -> ApprovalPolicy {
        let policy = try approvalPolicies()[source]
        guard let requested else { return policy }
        guard policy.allows(requested) else {
            throw LedgerError(
                .forbidden,
                "The \(source.rawValue) policy is \(policy.rawValue): a file sent that way cannot ask to be approved \(requested.rawValue); an administrator sets the policy.")
        }
        return requested
    }

    /// Approves a scanned import when `policy` lets it (no errors, and for `auto-when-clean` no
    /// configuration-change warnings), in the name of the policy. Nil when it waits for a person:
    /// the policy does not approve it, or someone approved or cancelled it meanwhile.
    @discardableResult
    public func approveIfPolicyAllows(
        _ id: UUID, policy: ApprovalPolicy, via: Actor.Via, today: CalendarDate = .today(), progress: ((Int) -> Void)? = nil
    ) throws -> ApprovalOutcome? {
        let state = try importState(id)
        guard state.status == .scanned, let scan = state.scan, policy.approves(scan) else { return nil }
        let claim: ApprovalClaim
        do {
            claim = try claimApproval(of: id)
        } catch let error as LedgerError where error.code == .versionConflict || error.code == .invalidState {
            return nil
        }
        return try approve(claim, actor: Actor(name: policy.approverName, email: "", via: via), policy: policy, today: today, progress: progress)
    }
}
