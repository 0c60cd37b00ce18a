import DataExchange
import Foundation

extension Ledger {
    /// What approving import `id` changes, as its dry run worked it out (or its approval, when
    /// the ledger had changed meanwhile): the counts. Nil for an import scanned before the
    /// ledger previewed changes.
    public func changePreview(of id: UUID) throws -> ChangePreview? { try importState(id).changes?.preview }

    /// `changePreview`, or an error that says why there is none.
    public func requiredChangePreview(of id: UUID) throws -> ChangePreview {
        guard let preview = try changePreview(of: id) else {
            throw LedgerError(
                .notFound,
                "Import \(id.lowercasedString) has no change preview: its file cannot be imported, its changes are still being worked out, or it was scanned before the ledger worked them out.")
        }
        return preview
    }

    /// Each change line of import `id`'s preview in file order, of `group` and changing `column`
    /// of an entity that was there before (a field update or an erasure) when given, until `body`
    /// returns false.
    public func forEachChange(of id: UUID, group: ChangeGroup? = nil, column: String? = nil, _ body: (ChangeLine) throws -> Bool) throws {
        try changeSet(of: try requiredChangePreview(of: id)).forEach(group: group, column: column) { _, line in try line.map(body) ?? true }
    }

    /// A page of import `id`'s change lines, filtered as `forEachChange` filters them, with how
    /// many the filters leave in all and the preview's counts.
    public func changes(of id: UUID, group: ChangeGroup? = nil, column: String? = nil, offset: Int = 0, limit: Int = 100) throws -> ChangePage {
        let preview = try requiredChangePreview(of: id)
        return try changeSet(of: preview).page(group: group, column: column, offset: offset, limit: limit, counts: preview.counts)
    }

    /// Writes import `id`'s change lines, filtered as `forEachChange` filters them, as CSV
    /// (`ChangeLine.csvHeader`).
    public func writeChangesCSV(of id: UUID, group: ChangeGroup? = nil, column: String? = nil, to file: OutputFile) throws {
        try ChangeLine.writeCSV(from: changeSet(of: try requiredChangePreview(of: id)), group: group, column: column, to: file)
    }

    /// What import `id`'s approval appended to the log, read back from its events and grouped as
    /// its preview was: the counts of all of it (without the records that changed nothing, which
    /// the log does not hold), and each line, filtered as `forEachChange` filters them, to `body`
    /// in order. An auditor's check that the events are the preview, group by group.
    public func appliedChanges(
        of id: UUID, group: ChangeGroup? = nil, column: String? = nil, _ body: (ChangeLine) throws -> Void = { _ in }
    ) throws -> ChangeCounts {
        guard let first = try storage.events(in: ImportState.changesStream(id)).first?.position else { return ChangeCounts() }
        let linesPath = incoming.appendingPathComponent("\(id)-applied-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: linesPath) }
        var builder = ChangeSetBuilder(output: try OutputFile(path: linesPath.path), renames: try importState(id).uploaded?.kind == .idUpdate)
        try storage.reading { log in
            try forEachAppliedRecord(in: log, from: first) { applied in
                if applied.importID == id && !applied.reverts { try builder.add(applied) }
            }
        }
        try builder.flush()
        try ChangeSetReader(contentsOf: linesPath).forEach(group: group, column: column) { _, line in
            try line.map(body)
            return true
        }
        return builder.counts
    }

    private func changeSet(of preview: ChangePreview) throws -> ChangeSetReader { try ChangeSetReader(contentsOf: blobs.file(of: preview.lines)) }

    /// Scans `source` with `scanner` (made with this ledger's scan state) and works out what
    /// approving it would change against this ledger, writing the change lines to `changes` as
    /// CSV (`ChangeLine.csvHeader`): `ledger scan --changes`. Nothing is recorded.
    public func scanPreviewingChanges(
        _ source: FileByteSource, name: String, with scanner: DataExchange.Scanner, outputs: ScanOutputs, changes: OutputFile, today: CalendarDate = .today()
    ) throws -> (ScanSummary, ScanOutputs, ChangeCounts) {
        try storage.reading { tables in
            try Self.scanPreviewingChanges(
                source, name: name, with: scanner, outputs: outputs,
                calculator: ChangeCalculator.against(tables, kind: scanner.kind(of: source), importID: UUID(), firstPosition: 1, importDate: today),
                changes: changes, folder: incoming)
        }
    }

    /// `scanPreviewingChanges` against an empty ledger: every entity of the file is new.
    public static func scanPreviewingChanges(
        _ source: FileByteSource, name: String, with scanner: DataExchange.Scanner, outputs: ScanOutputs, changes: OutputFile, today: CalendarDate = .today()
    ) throws -> (ScanSummary, ScanOutputs, ChangeCounts) {
        try scanPreviewingChanges(
            source, name: name, with: scanner, outputs: outputs,
            calculator: ChangeCalculator(stored: nil, importID: UUID(), firstPosition: 1, importDate: today), changes: changes,
            folder: FileManager.default.temporaryDirectory)
    }

    private static func scanPreviewingChanges(
        _ source: FileByteSource, name: String, with scanner: DataExchange.Scanner, outputs: ScanOutputs, calculator: ChangeCalculator, changes: OutputFile,
        folder: URL
    ) throws -> (ScanSummary, ScanOutputs, ChangeCounts) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lines = folder.appendingPathComponent("\(UUID().uuidString)-changes")
        defer { try? FileManager.default.removeItem(at: lines) }
        var observer = ChangeOutputs(changes: calculator, scan: outputs, changeSet: ChangeSetBuilder(output: try OutputFile(path: lines.path)))
        let summary = try scanner.scan(source, name: name, observer: &observer)
        try observer.finish()
        try ChangeLine.writeCSV(from: ChangeSetReader(contentsOf: lines), group: nil, column: nil, to: changes)
        return (summary, observer.scan ?? outputs, observer.changeSet.counts)
    }
}

extension ChangeLine {
    /// The CSV of change lines: one row per field, the entity's columns repeated on each.
    public static let csvHeader = ["group", "kind", "entity", "previous_entity", "record", "line", "created", "column", "old", "new"]

    /// The line's CSV rows, one per field (one with no field for a change with none), unquoted.
    public var csvRows: [[String]] {
        let entity = [group.rawValue, kind.rawValue, self.entity, previousEntity ?? "", String(record), String(line), created ? "true" : "false"]
        guard !fields.isEmpty else { return [entity + ["", "", ""]] }
        return fields.map { entity + [$0.column, $0.old ?? "", $0.new ?? ""] }
    }

    /// Writes `csvHeader` and the rows of every line the filters (as `ChangeSetReader.forEach`'s) leave.
    static func writeCSV(from reader: ChangeSetReader, group: ChangeGroup?, column: String?, to file: OutputFile) throws {
        try writeCSVHeader(to: file)
        try reader.forEach(group: group, column: column) { _, line in
            try line?.writeCSV(to: file)
            return true
        }
        try file.flush()
    }

    public static func writeCSVHeader(to file: OutputFile) throws {
        var bytes: [UInt8] = Array(CSVFormat.byteOrderMark.utf8)
        CSVFormat.appendLine(csvHeader, to: &bytes)
        try file.write(bytes)
    }

    /// Writes the line's rows; a value that a spreadsheet would run as a formula is made inert,
    /// as the exceptions report makes it.
    public func writeCSV(to file: OutputFile) throws {
        var text = ""
        for row in csvRows {
            text += row.enumerated().map { index, value in index >= 8 ? CSVFormat.inertCell(value) : CSVFormat.cell(value) }.joined(separator: ",")
            text += CSVFormat.lineEnd
        }
        try file.write(text)
    }
}
