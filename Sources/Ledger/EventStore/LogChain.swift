import Foundation

/// The end of the log for one stream's next events: their positions, versions and hashes, the
/// same whichever database keeps the log.
struct LogChain: Sendable {
    let stream: String
    private(set) var version: Int64
    private(set) var position: Int64
    private(set) var previous: String
    let metadata: EventMetadata
    let encodedMetadata: Data
    let recordedAt: String
    let recordedDate: Date

    /// `event` (of this chain's stream and metadata) with its place in the log and its hash.
    mutating func link(_ event: NewEvent) -> RecordedEvent {
        position += 1
        version += 1
        let hash = HashChain.hash(
            previous: previous, position: position, stream: stream, version: version, id: event.id, type: event.type,
            schemaVersion: event.schemaVersion, data: event.data, metadata: encodedMetadata, recordedAt: recordedAt)
        previous = hash
        return RecordedEvent(
            position: position, stream: stream, version: version, id: event.id, type: event.type, schemaVersion: event.schemaVersion,
            data: event.data, metadata: metadata, recordedAt: recordedDate, hash: hash)
    }
}
