import Dispatch
import Foundation
@testable import Ledger
import Synchronization
import Testing
import TestSupport

/// Blobs in PostgreSQL (docs/decisions/0025): two blob stores with folders of their own on one
/// database, as two servers have, and what one stores the other serves, checked.
@Suite struct SharedBlobTests {
    private let databases: ContractDatabases
    private let folders: TemporaryFolder
    init() throws {
        databases = try ContractDatabases()
        folders = try TemporaryFolder("ledger-shared-blobs")
    }

    struct Server {
        let storage: PostgreSQLStorage
        let blobs: BlobStore
    }

    /// Two servers on one new database.
    func servers() throws -> (Server, Server) {
        let first = try #require(try databases.open(.postgreSQL) as? PostgreSQLStorage)
        let second = try PostgreSQLStorage(url: try databases.url(of: first))
        func server(_ storage: PostgreSQLStorage, _ name: String) throws -> Server {
            Server(storage: storage, blobs: try BlobStore(folder: folders.appendingPathComponent(name), shared: storage.sharedBlobs))
        }
        return (try server(first, "a"), try server(second, "b"))
    }

    func connection(to server: Server) throws -> PostgreSQLConnection {
        try PostgreSQLConnection(url: try databases.url(of: server.storage))
    }

    /// Bytes that span several chunks and end inside one.
    static func file(megabytes: Double = 3.4) -> Data {
        var generator = SystemRandomNumberGenerator()
        var bytes = Data(count: Int(megabytes * 1_048_576))
        bytes.withUnsafeMutableBytes { buffer in
            for index in stride(from: 0, to: buffer.count - 7, by: 8) { buffer.storeBytes(of: generator.next() as UInt64, toByteOffset: index, as: UInt64.self) }
        }
        return bytes
    }

    /// The files of blobs in a store's folder, work files left aside included.
    static func files(in blobs: BlobStore) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: blobs.folder.path).filter { path in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: blobs.folder.appendingPathComponent(path).path, isDirectory: &isFolder) && !isFolder.boolValue
        }
    }

    @Test func aFileStoredOnOneServerIsServedByAnotherByteForByte() throws {
        let (a, b) = try servers()
        let bytes = Self.file()
        let reference = try a.blobs.store(bytes)
        #expect(try Self.files(in: b.blobs).isEmpty)
        try b.blobs.check(reference)
        let served = try b.blobs.file(of: reference)
        #expect(try Data(contentsOf: served) == bytes)
        #expect(served.path.hasPrefix(b.blobs.folder.path))
        #expect(try connection(to: a).execute("SELECT chunk FROM blob_chunks ORDER BY chunk").map { try $0.value(0, as: Int64.self) } == [0, 1, 2, 3])
        let copy = folders.appendingPathComponent("download.bin")
        try b.blobs.copy(reference, to: copy)
        #expect(try Data(contentsOf: copy) == bytes)
    }

    @Test func anAlteredChunkIsRefusedAndLeavesNoFileUnderTheBlobsName() throws {
        let (a, b) = try servers()
        var bytes = Self.file()
        let reference = try a.blobs.store(bytes)
        bytes[1_048_576 + 10] ^= 0xff
        let chunk = bytes[1_048_576 ..< 2 * 1_048_576]
        try connection(to: a).execute(
            "UPDATE blob_chunks SET data = $1 WHERE blob = (SELECT chunks FROM blobs WHERE sha256 = $2) AND chunk = 1", [.bytes(Data(chunk)), .text(reference.sha256)])
        let refused = try #require(throws: LedgerError.self) { try b.blobs.file(of: reference) }
        #expect(refused.code == .tampered)
        #expect(try Self.files(in: b.blobs).isEmpty, "neither the blob nor its work file is left")
        #expect(try #require(throws: LedgerError.self) { try b.blobs.check(reference) }.code == .tampered)

        try connection(to: a).execute("DELETE FROM blob_chunks WHERE blob = (SELECT chunks FROM blobs WHERE sha256 = $1) AND chunk = 3", [.text(reference.sha256)])
        #expect(try #require(throws: LedgerError.self) { try b.blobs.file(of: reference) }.code == .tampered, "a short blob")
        try connection(to: a).execute("DELETE FROM blobs WHERE sha256 = $1", [.text(reference.sha256)])
        #expect(try #require(throws: LedgerError.self) { try b.blobs.file(of: reference) }.code == .notFound)
        #expect(try Self.files(in: b.blobs).isEmpty)
    }

    @Test func aFileWhoseReadingBreaksOffLeavesNothingStored() throws {
        let (a, _) = try servers()
        let piece = Self.file(megabytes: 1.5)
        var handed = 0
        let failed = try #require(throws: LedgerError.self) {
            try a.blobs.store(pieces: {
                handed += 1
                guard handed <= 2 else { throw CocoaError(.fileReadUnknown) }
                return piece
            })
        }
        #expect(failed.code == .storage)
        let connection = try connection(to: a)
        #expect(try connection.execute("SELECT count(*) FROM blob_chunks").first?.value(0, as: Int64.self) == 0, "the chunks copied before it broke off")
        #expect(try connection.execute("SELECT count(*) FROM blobs").first?.value(0, as: Int64.self) == 0)
        #expect(try Self.files(in: a.blobs).isEmpty)
    }

    /// A database whose blobs were stored before their chunks had a key of their own: the
    /// migration names each blob's chunks by its hash, and every server serves them as before.
    @Test func aFileStoredBeforeTheChunksHadAKeyOfTheirOwnIsServedAfterTheMigration() throws {
        let (a, _) = try servers()
        let url = try databases.url(of: a.storage)
        let connection = try connection(to: a)
        try connection.executeScript("""
            DO $$ DECLARE name text; BEGIN
                FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP EXECUTE 'DROP TABLE ' || quote_ident(name) || ' CASCADE'; END LOOP;
            END $$;
            DROP FUNCTION events_are_immutable;
            CREATE TABLE ledger_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """)
        let keyed = try #require(PostgreSQLSchema.migrations.firstIndex { $0.name == "blob-chunks-under-a-key-of-their-own" })
        for migration in PostgreSQLSchema.migrations[..<keyed] {
            try connection.executeScript(migration.sql)
            try connection.execute("INSERT INTO ledger_migrations (name) VALUES ($1)", [.text(migration.name)])
        }
        let bytes = Self.file(megabytes: 1.5)
        let reference = try BlobStore(folder: folders.appendingPathComponent("hashed")).store(bytes)
        for (chunk, start) in stride(from: 0, to: bytes.count, by: 1_048_576).enumerated() {
            try connection.execute(
                "INSERT INTO blob_chunks (sha256, chunk, data) VALUES ($1, $2, $3)",
                [.text(reference.sha256), .integer(Int64(chunk)), .bytes(Data(bytes[start ..< min(start + 1_048_576, bytes.count)]))])
        }
        try connection.execute("INSERT INTO blobs (sha256, size) VALUES ($1, $2)", [.text(reference.sha256), .integer(Int64(bytes.count))])

        let migrated = try PostgreSQLStorage(url: url)
        let blobs = try BlobStore(folder: folders.appendingPathComponent("after"), shared: migrated.sharedBlobs)
        #expect(try Data(contentsOf: blobs.file(of: reference)) == bytes)
        #expect(try blobs.store(bytes) == reference, "the same bytes stored again are the blob stored before")
        #expect(try connection.execute("SELECT count(*) FROM blob_chunks").first?.value(0, as: Int64.self) == 2)
    }

    @Test func theSameFileStoredOnTwoServersAtOnceIsOneBlob() throws {
        let (a, b) = try servers()
        let bytes = Self.file(megabytes: 2.5)
        let stored = Mutex<[Result<BlobReference, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try [a, b][index].blobs.store(bytes) }
            stored.withLock { $0.append(result) }
        }
        let references = try stored.withLock { $0 }.map { try $0.get() }
        #expect(Set(references).count == 1)
        let connection = try connection(to: a)
        #expect(try connection.execute("SELECT size FROM blobs").map { try $0.value(0, as: Int64.self) } == [Int64(bytes.count)])
        #expect(try connection.execute("SELECT count(*) FROM blob_chunks").first?.value(0, as: Int64.self) == 3)
        #expect(try Data(contentsOf: b.blobs.file(of: references[0])) == bytes)
    }

    /// An import's file is copied into the database while it is scanned; its upload is recorded
    /// only once the copy is in, which the database itself checks here (the copy held back
    /// meanwhile), and another server then serves the file. The same file dropped again is not
    /// copied again.
    @Test func anUploadIsRecordedOnlyOnceItsFileIsInTheDatabase() throws {
        let url = try databases.newSchema()
        let ledger = try Ledger(location: LedgerLocation(option: url, environment: [:]), localFolder: folders.appendingPathComponent("server").path)
        let connection = try PostgreSQLConnection(url: url)
        try connection.executeScript("""
            CREATE FUNCTION uploads_name_stored_files() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM blobs WHERE sha256 = convert_from(NEW.data, 'UTF8')::jsonb -> 'file' ->> 'sha256') THEN
                    RAISE EXCEPTION 'an upload names a file the database does not have';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER uploads_name_stored_files BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.type = 'FileUploaded') EXECUTE FUNCTION uploads_name_stored_files()
            """)
        let rows = (1...20_000).map { "A\($0),L\($0),001,W,M\($0),Neptune,T-10,1,IN,N,GAL,1,2020-01-15,,E\($0),m" }
        let file = folders.appendingPathComponent("export.csv")
        try ([ApprovalTests.header] + rows).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        let reference = try BlobStore(folder: folders.appendingPathComponent("hash")).store(fileAt: file)
        let ada = Actor(name: "Ada", email: "ada@utility.example", via: .cli)

        // The copy waits for the lock of storing these bytes, held here, while the scan runs.
        let imported = Handoff<Result<Ledger.ImportOutcome, any Error>>()
        let holder = try PostgreSQLConnection(url: url)
        try holder.transaction {
            try holder.lockForTransaction(advisoryKey: PostgreSQLStorage.blobLock(reference))
            imported.startOnThreadOfItsOwn { Result { try ledger.importFile(at: file, actor: ada) } }
            try PostgreSQLTestDatabase.waitUntil("the copy to wait for the lock") {
                try connection.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[0].value(0, as: Int64.self) > 0
                    || connection.execute("SELECT count(*) FROM blobs")[0].value(0, as: Int64.self) > 0
            }
            // Time for the scan of 20,000 records to end.
            Thread.sleep(forTimeInterval: 0.5)
            #expect(try connection.execute("SELECT count(*) FROM events WHERE type = 'FileUploaded'")[0].value(0, as: Int64.self) == 0)
        }
        let outcome = try imported.wait().get()
        #expect(outcome.summary.ready == 20_000)

        let chunks = try connection.execute("SELECT count(*) FROM blob_chunks").first?.value(0, as: Int64.self)
        let other = try BlobStore(folder: folders.appendingPathComponent("other"), shared: PostgreSQLStorage(url: url).sharedBlobs)
        #expect(try ledger.importState(outcome.id).uploaded?.file == reference)
        #expect(try Data(contentsOf: other.checkedFile(of: reference)) == Data(contentsOf: file))
        _ = try ledger.importFile(at: file, actor: ada)
        #expect(try connection.execute("SELECT count(*) FROM blob_chunks").first?.value(0, as: Int64.self) == chunks)
    }
}
