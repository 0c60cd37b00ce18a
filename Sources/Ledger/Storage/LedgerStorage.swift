import Foundation

/// The one way the ledger is to reach its database (docs/decisions/0022): one method per
/// invariant-keeping transaction or read, so that SQLite and PostgreSQL can each keep the
/// invariants their own way.
protocol LedgerStorage: Sendable {
    // MARK: The log, and the projections that follow each event in the same transaction

    /// Appends `events` and brings every projection along, all or none: each stream named in
    /// `expecting` must be at that version (`LedgerError.versionConflict` otherwise), and an event
    /// whose id is in the log already is not appended again (a retried append is not doubled).
    /// `credential`, a password hash or a webhook's secret, is kept beside the log in the same
    /// transaction, never in it.
    func record(_ events: [NewEvent], expecting: [String: ExpectedVersion], credential: Credential?) throws -> [RecordedEvent]
    /// A stream's events in order.
    func events(in stream: String) throws -> [RecordedEvent]
    /// The events at these positions, in log order.
    func events(at positions: [Int64]) throws -> [RecordedEvent]
    /// The events that `filter` lets through, in log order, at most `limit`.
    func events(matching filter: EventFilter, limit: Int) throws -> [RecordedEvent]
    /// The last position recorded at or before `date`; 0 when none was.
    func lastPosition(recordedBy date: Date) throws -> Int64
    /// The position of the last event; 0 for an empty log.
    func lastPosition() throws -> Int64
    /// Every event as it is stored, in order, read as it goes: for a check of the chain and a
    /// copy to another database.
    func forEachLoggedEvent(_ body: (LoggedEvent) throws -> Void) throws
    /// The database's own guards of the log (triggers) that are missing: none, unless someone
    /// altered the database behind the ledger's back.
    func missingLogGuards() throws -> [String]
    /// Appends, in one transaction, the events `source` hands out exactly as another ledger
    /// logged them (positions, times and hashes kept), to an empty log: a ledger moved from one
    /// database to another. Returns how many were copied.
    func copyLog(from source: (_ body: (LoggedEvent) throws -> Void) throws -> Void) throws -> Int64

    // MARK: The state, and rebuilding the projections

    /// Runs `body` on one consistent read of the state's tables and the log.
    func reading<Result>(_ body: (any LedgerSnapshot) throws -> Result) throws -> Result
    /// What the projections hold, as `Ledger.projectionsVersion` numbers it.
    func projectionsVersion() throws -> Int
    /// Empties every projection and runs `body` to build them again from the log, in one
    /// transaction, then stamps them `version`. With `onlyWhenOlder`, does nothing and returns nil
    /// when the projections are at `version` already (another process rebuilt them meanwhile).
    func rebuildingProjections<Result>(version: Int, onlyWhenOlder: Bool, _ body: (any ProjectionRebuild) throws -> Result) throws -> Result?
    /// A consistent copy of the database, as a SQLite file at `path`, told as it goes (pages
    /// copied, of how many). A backend whose database has tools of its own for this says so.
    func backUpDatabase(to path: String, progress: (_ done: Int, _ total: Int) -> Void) throws
    /// Gives a database role what the servers need, and on the log and the stored files only
    /// reading and adding.
    func grantServerAccess(to role: String) throws
    /// Every projection row, as text, in a stable order: to compare a rebuilt ledger with a kept one.
    func projectionRows() throws -> [String]

    // MARK: The history index

    /// The positions of the events that changed what `selection` names, up to `position`, and
    /// the names it is found under: its keys now and every key it had before a rename.
    func historyIndex(of selection: HistoryProjection.Selection, upTo position: Int64) throws -> (positions: Set<Int64>, names: Set<String>)

    /// Runs an approval in one transaction: all of what `body` appends and writes, or none.
    func approving<Result>(_ body: (any ApprovalTransaction) throws -> Result) throws -> Result

    // MARK: Users, from the users projection and the credentials beside it

    /// Everyone who was given access, disabled people included, by name.
    func users() throws -> [UserAccount]
    /// The user with this e-mail, whatever its case.
    func user(email: String) throws -> UserAccount?
    func user(id: UUID) throws -> UserAccount?

    /// The secret a webhook's deliveries are signed with, kept beside the log; nil if none was.
    func webhookSecret(of webhookID: UUID) throws -> String?

    /// Every secret kept beside the log (password hashes, webhooks' secrets): what a migration
    /// copies besides the log, which never holds them.
    func credentials() throws -> [Credential]
    /// Keeps `credentials` beside the log, in one transaction, replacing those of the same user or webhook.
    func keep(_ credentials: [Credential]) throws

    // MARK: The Activity List

    /// Newest first.
    func activity(limit: Int, offset: Int) throws -> [ActivityEntry]
    func activityEntry(_ id: UUID) throws -> ActivityEntry?
    func activityCount() throws -> Int
    /// The imports whose id starts with `prefix`, at most `limit` of them.
    func importIDs(startingWith prefix: String, limit: Int) throws -> [UUID]
    /// The imports uploaded whose scan has not ended, one way or another.
    func importsAwaitingTheirScan() throws -> [UUID]
    /// The first import of a file with these bytes that was imported.
    func firstImportedImport(ofFileWithSHA256 sha256: String) throws -> UUID?

    // MARK: Sessions: shared by every server on the database, so that a restart or another
    // server keeps people signed in. Not events: a session is a bearer secret, not history.

    /// Keeps a new session.
    func insertSession(_ session: StoredSession) throws
    /// The session whose token hashes to `tokenHash`, expired or not.
    func session(tokenHash: String) throws -> StoredSession?
    func deleteSession(tokenHash: String) throws
    /// Ends every session of a person: their access was withdrawn or their password changed.
    func deleteSessions(of userID: UUID) throws
    func deleteSessions(expiredBy now: Date) throws

    // MARK: Leases and blobs: whatever the servers sharing the database must see of each other

    /// Takes the lease of `work` on import `importID`; nil when another process holds it. Held
    /// until the lease returned is released, or its process ends, however it ends.
    func lease(_ work: LeasedWork, of importID: UUID) throws -> (any WorkLease)?
    /// The imports whose approval began and never ended, and whose lease nobody holds: their
    /// process stopped in the middle.
    func abandonedApprovals() throws -> [UUID]
    /// Where the blobs are kept for every server; nil where the folder beside the database is
    /// their store.
    var sharedBlobs: (any SharedBlobs)? { get }
}

/// The projection tables, the same on every backend, which a rebuild empties and writes again.
let projectionTables = ["activity", "state", DigestPages.table, "entity_changes", "entity_renames", "users"]

/// An event exactly as the log stores it: the bytes and text its hash covers.
struct LoggedEvent: Sendable, Equatable {
    var position: Int64
    var stream: String
    var version: Int64
    var id: UUID
    var type: String
    var schemaVersion: Int
    var data: Data
    var metadata: Data
    var recordedAt: String
    var hash: String

    /// Whether its hash is that of its content after `previous`.
    func isLinked(after previous: String) -> Bool {
        hash == HashChain.hash(
            previous: previous, position: position, stream: stream, version: version, id: id, type: type, schemaVersion: schemaVersion, data: data,
            metadata: metadata, recordedAt: recordedAt)
    }
}

/// Which events an audit reads: each condition given narrows it.
struct EventFilter: Sendable {
    /// Only these positions.
    var positions: Set<Int64>?
    /// Only what this person did (their e-mail, as the metadata has it).
    var actorEmail: String?
    /// Only these streams.
    var streams: [String]?
    /// Only events of these types.
    var types: [String]?
    /// Only events after this position.
    var after: Int64?
    var since: Date?
    var until: Date?
}

/// A secret kept beside the log, never in it: the log never forgets and goes into every backup,
/// so what must stay secret, and may be replaced, stays out of it.
enum Credential: Sendable, Equatable {
    /// A person's password hash.
    case password(userID: UUID, hash: String)
    /// The key a webhook's deliveries are signed with.
    case webhookSecret(webhookID: UUID, secret: String)

    init(userID: UUID, passwordHash: String) { self = .password(userID: userID, hash: passwordHash) }
}

/// A session as the database keeps it: the SHA-256 of its token, never the token, so that a copy
/// of the database signs nobody in.
struct StoredSession: Sendable, Equatable {
    var tokenHash: String
    var csrfToken: String
    var userID: UUID?
    var expires: Date
}
