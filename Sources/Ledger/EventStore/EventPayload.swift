import Foundation

/// A typed event: its type name and schema version are written beside its JSON in the log.
public protocol EventPayload: Codable, Sendable {
    static var type: String { get }
    static var schemaVersion: Int { get }
}

/// A payload written by hand because there are many of them: the JSON `EventCoder` would write.
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

/// Rewrites the JSON of an event written at an older schema version into the next version's
/// shape, so that the code reads only current events however old the log.
public struct Upcaster: Sendable {
    public var type: String
    /// The version it reads; it produces `version + 1`.
    public var version: Int
    public var upcast: @Sendable ([String: Any]) -> [String: Any]

    public init(type: String, version: Int, upcast: @escaping @Sendable ([String: Any]) -> [String: Any]) {
        self.type = type
        self.version = version
        self.upcast = upcast
    }
}

/// Encodes payloads into new events and decodes recorded ones, through the upcasters.
public struct EventCoder: Sendable {
    /// The upcasters of the ledger's own events; none yet, as every event is at its first version.
    public static let ledger = EventCoder(upcasters: [])

    private let upcasters: [String: [Int: Upcaster]]

    public init(upcasters: [Upcaster]) {
        var table: [String: [Int: Upcaster]] = [:]
        for upcaster in upcasters { table[upcaster.type, default: [:]][upcaster.version] = upcaster }
        self.upcasters = table
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    public func event<Payload: EventPayload>(_ payload: Payload, stream: String, metadata: EventMetadata, id: UUID = .timeOrdered()) throws -> NewEvent {
        if let writable = payload as? any JSONWritable {
            return event(writing: writable, as: Payload.self, stream: stream, metadata: metadata, id: id)
        }
        return NewEvent(
            id: id, stream: stream, type: Payload.type, schemaVersion: Payload.schemaVersion, data: try Self.encoder.encode(payload), metadata: metadata)
    }

    /// An event of type `Payload` whose JSON `writable` writes (an `AppliedRecord` for a `RecordApplied`).
    func event<Payload: EventPayload>(
        writing writable: some JSONWritable, as: Payload.Type, stream: String, metadata: EventMetadata, id: UUID = .timeOrdered()
    ) -> NewEvent {
        var json = JSONWriter()
        writable.write(to: &json)
        return NewEvent(id: id, stream: stream, type: Payload.type, schemaVersion: Payload.schemaVersion, data: json.data, metadata: metadata)
    }

    /// The payload of `event` when it is of type `Payload`, brought up to the current version.
    public func decode<Payload: EventPayload>(_ event: RecordedEvent, as: Payload.Type) throws -> Payload? {
        try decode(type: event.type, schemaVersion: event.schemaVersion, data: event.data, position: event.position, as: Payload.self)
    }

    /// The payload of an event's stored columns, for readers that skip the rest of the event.
    func decode<Payload: EventPayload>(type: String, schemaVersion: Int, data: Data, position: Int64, as: Payload.Type) throws -> Payload? {
        guard type == Payload.type else { return nil }
        var data = data
        if schemaVersion < Payload.schemaVersion {
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw LedgerError(.storage, "The event at position \(position) is not a JSON object.")
            }
            for version in schemaVersion..<Payload.schemaVersion {
                guard let upcaster = upcasters[Payload.type]?[version] else {
                    throw LedgerError(.storage, "No upcaster reads \(Payload.type) version \(version) (position \(position)).")
                }
                object = upcaster.upcast(object)
            }
            data = try JSONSerialization.data(withJSONObject: object)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Payload.self, from: data)
    }
}
