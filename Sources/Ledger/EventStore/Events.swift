import Foundation

/// Who did something, and through which door.
public struct Actor: Sendable, Codable, Hashable {
    /// `inbox`: a file that landed in the watched folder, taken by the server or `ledger watch`.
    public enum Via: String, Sendable, Codable { case ui, api, cli, inbox }
    public var name: String
    public var email: String
    public var via: Via

    public init(name: String, email: String, via: Via) {
        self.name = name
        self.email = email
        self.via = via
    }
}

/// What an event carries besides its data: who, how, and which request it belongs to.
public struct EventMetadata: Sendable, Codable, Hashable {
    public var actor: Actor
    public var correlationID: String

    public init(actor: Actor, correlationID: String = UUID().uuidString) {
        self.actor = actor
        self.correlationID = correlationID
    }

    /// The bytes the log keeps, and its hash chain covers: JSON with sorted keys, whichever
    /// database keeps the log.
    func encoded() throws -> Data { try Self.encoder.encode(self) }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

/// An event about to be appended: the store gives it a position, a version and a hash.
public struct NewEvent: Sendable, Hashable {
    public var id: UUID
    public var stream: String
    public var type: String
    public var schemaVersion: Int
    /// The event's fields as JSON.
    public var data: Data
    public var metadata: EventMetadata

    public init(id: UUID = .timeOrdered(), stream: String, type: String, schemaVersion: Int, data: Data, metadata: EventMetadata) {
        self.id = id
        self.stream = stream
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
        self.metadata = metadata
    }
}

/// An event as the log holds it.
public struct RecordedEvent: Sendable, Hashable {
    /// Its place in the whole log, from 1, without gaps.
    public var position: Int64
    public var stream: String
    /// Its place in its stream, from 1.
    public var version: Int64
    public var id: UUID
    public var type: String
    public var schemaVersion: Int
    public var data: Data
    public var metadata: EventMetadata
    public var recordedAt: Date
    /// SHA-256 (hex) of this event's content and the previous event's hash.
    public var hash: String
}

/// What an append expects of a stream's current version: optimistic concurrency.
public enum ExpectedVersion: Sendable, Hashable {
    /// Whatever it is.
    case any
    /// The stream has no event yet.
    case noStream
    /// The stream's last event has this version.
    case exactly(Int64)

    /// Fails with `versionConflict` unless `stream`, at `current`, is at this version.
    func check(_ stream: String, at current: Int64) throws {
        let matches: Bool = switch self {
        case .any: true
        case .noStream: current == 0
        case .exactly(let version): current == version
        }
        guard matches else {
            throw LedgerError(.versionConflict, "\(stream) changed since it was read (it is at version \(current)); read it again and retry.")
        }
    }
}

extension UUID {
    /// The id as the ledger shows and stores it everywhere: lowercase (`uuidString` is upper).
    public var lowercasedString: String { uuidString.lowercased() }

    /// A version 7 UUID: 48 bits of Unix milliseconds, then random bits. Event ids made in
    /// order sort in order, so the log's unique index on them grows at its end instead of
    /// being rewritten at random places, which a 166,000-event approval felt.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let high = (milliseconds << 16) | 0x7000 | UInt64.random(in: 0...0x0FFF)
        let low = (UInt64.random(in: 0...UInt64.max) & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return UUID(uuid: uuid)
    }
}
