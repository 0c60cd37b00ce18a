import DataExchange
import Foundation
import Ledger
import Synchronization

/// The long work of imports, run off the requests: the scan of each upload and each approval.
/// A request starts the work and answers at once; the page and the API poll `status`. At most
/// as many scans run at once as the machine has cores, and one approval at a time (the ledger has
/// one writer: a second approval would wait on the first's transaction, and a first import's takes
/// longer than the write lock's patience); the rest wait their turn, queued.
public final class ImportJobs: Sendable {
    /// Where an import is while the server works on it.
    enum Phase: Sendable, Equatable {
        case queued, scanning, importing
        case failed(String)
    }

    struct Job: Sendable {
        var phase: Phase
        var fileName: String
        var actor: Actor
        /// The file's size, and how many of its bytes the scan or the approval has read.
        var size: Int
        var progress = 0

        var percentRead: Int { size > 0 ? min(100, progress * 100 / size) : 0 }
    }

    let ledger: Ledger
    private let jobs = Mutex<[UUID: Job]>([:])
    private let queue: OperationQueue
    private let approvals: OperationQueue
    /// Told when a scan or an approval has recorded its outcome: the webhooks are sent at once.
    private let recorded: @Sendable () -> Void

    public init(ledger: Ledger, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, recorded: @escaping @Sendable () -> Void = {}) {
        self.ledger = ledger
        self.recorded = recorded
        queue = OperationQueue()
        queue.maxConcurrentOperationCount = max(1, concurrency)
        queue.name = "imports"
        approvals = OperationQueue()
        approvals.maxConcurrentOperationCount = 1
        approvals.name = "approvals"
    }

    /// Queues the dry run of a received file; returns the import's id at once. The staged file
    /// is removed once the ledger has stored its own copy. When `policy` approves what the scan
    /// found, the approval is queued behind it, in the policy's name.
    func startScan(of file: ReceivedFile, actor: Actor, policy: ApprovalPolicy = .manual) -> UUID {
        let id = UUID()
        let size = (try? FileManager.default.attributesOfItem(atPath: file.url.path)[.size] as? Int) ?? 0
        jobs.withLock { $0[id] = Job(phase: .queued, fileName: file.name, actor: actor, size: size) }
        queue.addOperation { [self] in
            defer { try? FileManager.default.removeItem(at: file.url) }
            update(id) { $0.phase = .scanning }
            do {
                _ = try ledger.importFile(at: file.url, name: file.name, id: id, actor: actor) { bytes in
                    self.update(id) { $0.progress = bytes }
                }
                if policy != .manual {
                    startApproval(of: id, byPolicy: policy, via: actor.via)
                } else {
                    finish(id)
                }
            } catch {
                fail(id, error)
            }
        }
        return id
    }

    /// Claims the import's approval and queues it. A second approval, while the first runs (on
    /// this server or another on the same database) or after it, is refused (409) and changes
    /// nothing.
    func startApproval(of id: UUID, actor: Actor) async throws {
        if job(id)?.phase == .importing { throw LedgerError(.invalidState, "Import \(id.lowercasedString) is being approved already.") }
        let (claim, state) = try await offCooperativePool { [ledger] in (try ledger.claimApproval(of: id), try ledger.importState(id)) }
        try jobs.withLock { jobs in
            if jobs[id]?.phase == .importing { throw LedgerError(.invalidState, "Import \(id.lowercasedString) is being approved already.") }
            jobs[id] = Job(phase: .importing, fileName: state.uploaded?.fileName ?? "", actor: actor, size: state.uploaded?.file.size ?? 0)
        }
        approvals.addOperation { [self] in
            do {
                _ = try ledger.approve(claim, actor: actor) { bytes in self.update(id) { $0.progress = bytes } }
                finish(id)
            } catch {
                fail(id, error)
            }
        }
    }

    /// Queues the approval of a scanned import that `policy` approves without a person; the
    /// import waits for a person when the policy does not approve what its scan found.
    func startApproval(of id: UUID, byPolicy policy: ApprovalPolicy, via: Actor.Via) {
        update(id) { $0.phase = .importing; $0.progress = 0 }
        approvals.addOperation { [self] in
            do {
                try ledger.approveIfPolicyAllows(id, policy: policy, via: via) { bytes in self.update(id) { $0.progress = bytes } }
                finish(id)
            } catch {
                fail(id, error)
            }
        }
    }

    /// What the server is doing with an import, if anything.
    func job(_ id: UUID) -> Job? { jobs.withLock { $0[id] } }

    /// Waits for the work under way and queued: a stopping server finishes what it started.
    public func drain() {
        queue.waitUntilAllOperationsAreFinished()
        approvals.waitUntilAllOperationsAreFinished()
    }

    private func update(_ id: UUID, _ change: (inout Job) -> Void) {
        jobs.withLock { jobs in
            if var job = jobs[id] {
                change(&job)
                jobs[id] = job
            }
        }
    }

    /// The work broke off: said on the import's status until the server stops, and (the ledger
    /// having recorded why) told to the webhooks.
    private func fail(_ id: UUID, _ error: any Error) {
        update(id) { $0.phase = .failed(ServerError(error).message) }
        recorded()
    }

    /// The ledger knows the import's state from here on.
    private func finish(_ id: UUID) {
        _ = jobs.withLock { $0.removeValue(forKey: id) }
        recorded()
    }
}
