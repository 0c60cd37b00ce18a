import Dispatch
import Foundation
import Synchronization

/// A folder files land in (an SFTP drop, a share), each imported as a drop is, by a service user
/// via `inbox`, once it has stopped growing; then moved to `accepted/` or `rejected/` with its
/// exceptions report beside it. Nothing is deleted. Several servers, or `ledger watch`es, on one
/// database and one shared folder take each file once (docs/decisions/0030).
public struct Inbox: Sendable {
    public struct Configuration: Sendable {
        public var folder: URL
        /// Which files are taken: a glob (`*` and `?`), matched regardless of case.
        public var mask: String
        /// Take a file only once `NAME.done` is there (the marker moves along with it), instead
        /// of once its size and time have stood still for `settleInterval`.
        public var waitsForDoneMarker: Bool
        public var settleInterval: Duration
        public var pollInterval: Duration
        /// Who the imports are recorded as: the service user, via `inbox`.
        public var actor: Actor

        public init(
            folder: URL, mask: String = "*.csv", waitsForDoneMarker: Bool = false, settleInterval: Duration = .milliseconds(500),
            pollInterval: Duration = .milliseconds(200), actor: Actor
        ) {
            self.folder = folder
            self.mask = mask
            self.waitsForDoneMarker = waitsForDoneMarker
            self.settleInterval = settleInterval
            self.pollInterval = pollInterval
            self.actor = actor
        }
    }

    /// What the inbox tells whoever runs it, file by file.
    public enum Event: Sendable {
        /// A file was imported (or found imported by an earlier run) and moved out of the inbox.
        case taken(Intake)
        /// A file could not be taken this time (unreadable, the database away); it stays in
        /// the inbox and is tried again. Told once per version of the file.
        case deferred(fileName: String, reason: String)
    }

    public let ledger: Ledger
    public let configuration: Configuration
    /// What follows a dry run: by default the inbox policy's approval, here and now; the server
    /// hands it to its approval queue instead.
    let approve: @Sendable (UUID) throws -> Void

    public init(ledger: Ledger, configuration: Configuration, approve: (@Sendable (UUID) throws -> Void)? = nil) {
        self.ledger = ledger
        self.configuration = configuration
        self.approve = approve ?? { id in
            try ledger.approveIfPolicyAllows(id, policy: try ledger.approvalPolicy(for: .inbox), via: .inbox)
        }
    }

    /// Watches the folder until the task is cancelled; the file in hand is finished first.
    public func run(report: @escaping @Sendable (Event) -> Void) async {
        let stopping = Atomic<Bool>(false)
        var watch = InboxWatch()
        await withTaskCancellationHandler {
            while !Task.isCancelled {
                let looked = watch
                watch = await withCheckedContinuation { continuation in
                    // A file's scan takes seconds: not on the cooperative threads.
                    DispatchQueue.global().async {
                        var watch = looked
                        takeSettledFiles(&watch, until: { stopping.load(ordering: .relaxed) }, report: report)
                        continuation.resume(returning: watch)
                    }
                }
                try? await Task.sleep(for: configuration.pollInterval)
            }
        } onCancel: {
            stopping.store(true, ordering: .relaxed)
        }
    }

    /// One look at the folder: takes, one at a time and oldest first, every file that has
    /// settled, until `stop` says so. `watch` carries what earlier looks saw.
    public func takeSettledFiles(_ watch: inout InboxWatch, until stop: () -> Bool = { false }, report: (Event) -> Void) {
        for file in watch.look(in: configuration.folder, mask: InboxMask(configuration.mask), settle: configuration.settleInterval,
                               waitsForDoneMarker: configuration.waitsForDoneMarker) {
            if stop() { return }
            do {
                // Not hashed, nor leased, when another process has moved it meanwhile.
                guard file.isUnchanged, let identity = try watch.identity(of: file) else { continue }
                if let intake = try take(file, as: identity) {
                    watch.forget(file)
                    report(.taken(intake))
                }
            } catch {
                if watch.firstProblem(with: file) { report(.deferred(fileName: file.name, reason: LedgerError.reason(error))) }
            }
        }
    }

    /// Imports `file` under the id its bytes give it, unless that import exists already (a run
    /// that stopped before moving the file), then moves it out. Nil when another process has it.
    private func take(_ file: InboxFile, as identity: InboxFileIdentity) throws -> Intake? {
        // Every attempt at the file is made under the lease of its first id.
        guard let lease = try ledger.leaseInboxFile(identity.importID()) else { return nil }
        defer { withExtendedLifetime(lease) {} }
        // Another process may have taken it between this one's look and its lease.
        guard file.isUnchanged else { return nil }
        var attempt = 0
        var (id, state) = (identity.importID(), try recordedState(of: identity.importID()))
        // A scan that never ended (its process stopped in the middle) failed the machinery, not
        // the file: it is taken again, as a new import, a few times at most.
        while state?.status == .failed, state?.scan == nil, attempt < Self.attemptsAfterAnInterruptedScan {
            attempt += 1
            (id, state) = (identity.importID(attempt: attempt), try recordedState(of: identity.importID(attempt: attempt)))
        }
        let recognised = state != nil
        var refusal: String?
        if state == nil {
            do {
                _ = try ledger.importFile(at: file.url, name: file.name, id: id, actor: configuration.actor)
            } catch let error as LedgerError where error.code == .fileTooLarge {
                refusal = error.message
            } catch {
                // Nothing recorded (the database away, the file unreadable): it stays, to be tried again.
                guard try recordedState(of: id) != nil else { throw error }
            }
            state = try recordedState(of: id)
        }
        if let found = state, found.status == nil {
            // Uploaded and never scanned: the process that took it stopped in the middle. Taken
            // again at the next look, under the next attempt's id.
            try ledger.recoverInterruptedWork()
            throw LedgerError(.invalidState, "The scan of import \(id.lowercasedString) was interrupted; the file is taken again.")
        }
        if state?.status == .scanned {
            do { try approve(id) } catch { /* The import says why; the file was accepted all the same. */ }
            state = try recordedState(of: id)
        }
        var reason = refusal
        if state?.status == .failed { reason = try ledger.activityEntry(id).reason ?? "The import failed." }
        let scan = state?.scan
        let rejected = reason != nil || (scan?.fileErrors ?? 0) > 0
        let moved = try InboxOutcomeFolder(inbox: configuration.folder, rejected: rejected)
            .place(file, report: scan?.report, reason: reason, blobs: ledger.blobs)
        return Intake(
            fileName: file.name, importID: state == nil ? nil : id, rejected: rejected, movedTo: moved, status: state?.status,
            records: scan?.records, errors: scan?.errors, fileErrors: scan?.fileErrors, reason: reason, recognised: recognised)
    }

    /// How many times a file whose scan was interrupted is taken again before it is rejected.
    static let attemptsAfterAnInterruptedScan = 3

    /// The import's state; nil when nothing of it is recorded.
    private func recordedState(of id: UUID) throws -> ImportState? {
        do {
            return try ledger.importState(id)
        } catch let error as LedgerError where error.code == .notFound {
            return nil
        }
    }

    /// The service user's actor: an enabled user who may import, or a failure saying how to add one.
    public static func serviceActor(email: String, in ledger: Ledger) throws -> Actor {
        let adding = "add one with `ledger users add \(email) --name Inbox --role importer`, or name another with --user."
        guard let user = try ledger.user(email: email) else {
            throw LedgerError(.notFound, "The inbox imports as \(email), who is not a user of this ledger: \(adding)")
        }
        guard !user.disabled else { throw LedgerError(.invalidState, "The inbox imports as \(email), whose access was withdrawn: \(adding)") }
        guard user.role.canImport else {
            throw LedgerError(.forbidden, "The inbox imports as \(email), an \(user.role.rawValue), who may not import: \(adding)")
        }
        return user.actor(via: .inbox)
    }
}

/// What became of one file of the inbox.
public struct Intake: Sendable, Encodable {
    public var fileName: String
    /// Nil for a file refused before anything of it was stored (too large).
    public var importID: UUID?
    /// Moved to `rejected/`: file-level errors, or the import failed.
    public var rejected: Bool
    public var movedTo: URL
    public var status: ImportStatus?
    public var records: Int?
    public var errors: Int?
    public var fileErrors: Int?
    /// Why it was rejected, when the exceptions report does not say.
    public var reason: String?
    /// Imported by an earlier run that stopped before moving the file: not imported again.
    public var recognised: Bool
}

extension Ledger {
    /// The right to take the inbox file whose import id is `id`, held by this process, whichever
    /// server it runs on, until the value goes; nil while another holds it.
    func leaseInboxFile(_ id: UUID) throws -> (any WorkLease)? { try storage.lease(.intake, of: id) }
}
