import Foundation

/// `accepted/` or `rejected/` inside an inbox: where a taken file goes, under its own name or,
/// when that is taken, `NAME (2).csv` and so on; never over another file.
struct InboxOutcomeFolder {
    let url: URL

    init(inbox: URL, rejected: Bool) throws {
        url = inbox.appendingPathComponent(rejected ? "rejected" : "accepted")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Moves `file` (and its marker) here, then writes its exceptions report beside it as
    /// `NAME.exceptions.csv` and the reason it was rejected, if any, as `NAME.reason.txt`.
    /// The file first: a process stopped in between leaves a file without its report (which
    /// the ledger keeps), never a report whose file is taken again.
    func place(_ file: InboxFile, report: BlobReference?, reason: String?, blobs: BlobStore) throws -> URL {
        let names = freeNames(for: file.name)
        let destination = url.appendingPathComponent(names.file)
        try FileManager.default.moveItem(at: file.url, to: destination)
        if let marker = file.marker, FileManager.default.fileExists(atPath: marker.path) {
            try? FileManager.default.moveItem(at: marker, to: url.appendingPathComponent(names.marker))
        }
        if let report { try blobs.copy(report, to: url.appendingPathComponent(names.report)) }
        if let reason { try Data((reason + "\n").utf8).write(to: url.appendingPathComponent(names.reason), options: .withoutOverwriting) }
        return destination
    }

    /// The first names of the file and its companions, none of which exists yet here.
    func freeNames(for name: String) -> (file: String, marker: String, report: String, reason: String) {
        let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
        let stem = dot.map { String(name[..<$0]) } ?? name
        let fileExtension = dot.map { String(name[$0...]) } ?? ""
        var copy = 1
        while true {
            let base = copy == 1 ? stem : "\(stem) (\(copy))"
            let names = (
                file: base + fileExtension, marker: base + fileExtension + InboxMask.markerSuffix, report: base + ".exceptions.csv",
                reason: base + ".reason.txt")
            if ![names.file, names.marker, names.report, names.reason].contains(where: { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }) {
                return names
            }
            copy += 1
        }
    }
}
