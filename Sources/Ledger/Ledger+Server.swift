import DataExchange
import Foundation

extension Ledger {
    /// Writes the fix file of an import: the records with errors as they were, with what to
    /// correct, found by scanning the stored original against the ledger as it is now.
    public func writeFixFile(of id: UUID, to url: URL, today: CalendarDate = .today()) throws {
        guard let uploaded = try importState(id).uploaded else { throw LedgerError(.notFound, "Import \(id.lowercasedString) has no stored file.") }
        let (state, _) = try scanState()
        var writer = try FixFileWriter(path: url.path)
        _ = try Scanner(specification: try specification, ledger: state, today: today)
            .scan(try FileByteSource(path: blobs.file(of: uploaded.file).path), name: uploaded.fileName, observer: &writer)
        try writer.finish()
    }

    /// How many imports the Activity List holds, for paging it.
    public func activityCount() throws -> Int {
        try storage.activityCount()
    }
}
