import Foundation
@testable import Ledger
import Testing
import TestSupport

/// A blob store of its own, as on SQLite: its folder is the store.
@Suite struct BlobStoreTests {
    private let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder("ledger-blobs") }

    @Test func aFileIsStoredUnderItsHashAndReadInPlace() throws {
        let blobs = try BlobStore(folder: folder.appendingPathComponent("blobs"))
        #expect(blobs.shared == nil)
        let reference = try blobs.store(Data("Meter,Register\nM1,1\n".utf8))
        #expect(reference.size == 20 && reference.sha256.count == 64)
        let file = try blobs.file(of: reference)
        #expect(file.path == blobs.folder.appendingPathComponent(String(reference.sha256.prefix(2))).appendingPathComponent(reference.sha256).path)
        #expect(try blobs.store(Data(contentsOf: file)) == reference)
        try blobs.check(reference)
        #expect(try FileManager.default.contentsOfDirectory(atPath: blobs.folder.appendingPathComponent("incoming").path).isEmpty)
    }

    @Test func aMissingOrAlteredFileIsRefused() throws {
        let blobs = try BlobStore(folder: folder.appendingPathComponent("blobs"))
        let reference = try blobs.store(Data("Meter,Register\nM1,1\n".utf8))
        try Data("Meter,Register\nM1,2\n".utf8).write(to: try blobs.file(of: reference))
        #expect(try #require(throws: LedgerError.self) { try blobs.check(reference) }.code == .tampered)
        #expect(try #require(throws: LedgerError.self) { try blobs.copy(reference, to: folder.appendingPathComponent("copy.csv")) }.code == .tampered)
        let missing = BlobReference(sha256: String(repeating: "0", count: 64), size: 1)
        #expect(try #require(throws: LedgerError.self) { try blobs.file(of: missing) }.code == .notFound)
    }
}
