import Foundation

/// A folder of its own for a test, removed when the folder is released. A suite keeps one as a
/// stored property, so it goes with the suite's instance once the test has run; a test that makes
/// one for itself removes it with `defer`. Left behind, each run of the tests kept hundreds of
/// megabytes of ledgers and 70 MB files in the system's temporary folder.
public final class TemporaryFolder: Sendable {
    public let url: URL

    public init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A file or folder inside it.
    public func appendingPathComponent(_ name: String) -> URL { url.appendingPathComponent(name) }

    public var path: String { url.path }

    public func remove() { try? FileManager.default.removeItem(at: url) }

    deinit { remove() }
}
