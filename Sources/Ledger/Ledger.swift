import Crypto
import DataExchange
import Foundation
import Synchronization

/// The ledger: the event log, the stored files, and the projections kept in step with the log,
/// in a SQLite file or a PostgreSQL database (docs/decisions/0022). The command line and the
/// server are thin shells over this.
public final class Ledger: Sendable {
    /// The database behind the seam that every backend implements.
    let storage: any LedgerStorage
    /// Where the ledger is: its SQLite file or its PostgreSQL database.
    public let location: LedgerLocation
    public let blobs: BlobStore
    /// The specification that files are checked against: the one given, or the one that ships
    /// with the package, read when first needed (a command that only reads the log never does:
    /// reading it was a millisecond of `ledger history`'s fifteen).
    public var specification: Specification { get throws { try amendedSpecification ?? Specification.bundled() } }
    private let amendedSpecification: Specification?
    let coder = EventCoder.ledger
    /// The webhooks' registrations folded so far, and the position of the log read for them: a
    /// dispatcher asks every second, and reads only what the log gained since.
    let webhookRegistrationsRead = Mutex<(log: WebhookLog, upTo: Int64)>((WebhookLog(), 0))

    /// Opens the ledger at `path`; `rebuilding` is told when the projections, made by an older
    /// version, are rebuilt from the log (once: seconds for one utility's ledger, minutes for
    /// millions of events), as it goes: events replayed, of how many (first 0).
    public convenience init(path: String, specification: Specification? = nil, rebuilding: ((_ done: Int64, _ total: Int64) -> Void)? = nil) throws {
        try self.init(location: LedgerLocation(sqlitePath: path), specification: specification, rebuilding: rebuilding)
    }

    /// Opens the ledger where `location` says. On PostgreSQL the stored files are the database's
    /// too; `localFolder` is where this process keeps its copies of them and its work files
    /// (by default a folder of the system's temporary one, named after the database).
    public init(
        location: LedgerLocation, localFolder: String? = nil, specification: Specification? = nil,
        rebuilding: ((_ done: Int64, _ total: Int64) -> Void)? = nil
    ) throws {
        self.location = location
        switch location.backend {
        case .sqlite(let path):
            storage = try SQLiteStorage(path: path)
            blobs = try BlobStore(besideDatabase: path)
        case .postgreSQL(let url):
            let storage = try PostgreSQLStorage(url: url)
            self.storage = storage
            let folder = localFolder.map(URL.init(fileURLWithPath:)) ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("ledger-" + Hex.string(SHA256.hash(data: Data(LedgerLocation.redacted(url).utf8))).prefix(16))
            blobs = try BlobStore(folder: folder, shared: storage.sharedBlobs)
        }
        amendedSpecification = specification
        try rebuildOutdatedProjections(progress: rebuilding)
    }

    /// Appends `events` and brings the projections along, in one transaction, with a person's
    /// `credential` when it changes.
    @discardableResult
    func record(_ events: [NewEvent], expecting: [String: ExpectedVersion], credential: Credential? = nil) throws -> [RecordedEvent] {
        try storage.record(events, expecting: expecting, credential: credential)
    }

    /// A stream's events, in order.
    public func events(in stream: String) throws -> [RecordedEvent] { try storage.events(in: stream) }

    /// An import's state, from its stream.
    public func importState(_ id: UUID) throws -> ImportState {
        var state = ImportState(id: id)
        let events = try storage.events(in: ImportState.stream(id))
        guard !events.isEmpty else { throw LedgerError(.notFound, "There is no import \(id.lowercasedString).") }
        for event in events { try state.evolve(event, coder: coder) }
        return state
    }

    /// The import whose id is `text` or starts with it (eight characters at least).
    public func importID(_ text: String) throws -> UUID {
        let prefix = text.lowercased()
        guard prefix.count >= 8 else { throw LedgerError(.notFound, "Give at least eight characters of the import's id; \"\(text)\" is too short.") }
        let ids = try storage.importIDs(startingWith: prefix, limit: 2)
        guard ids.count == 1, let id = ids.first else {
            throw LedgerError(.notFound, ids.isEmpty ? "There is no import \(text)." : "\(text) names more than one import; give more of its id.")
        }
        return id
    }

}
