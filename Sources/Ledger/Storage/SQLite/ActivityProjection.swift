import DataExchange
import Foundation
import GRDB

extension ActivityEntry: FetchableRecord {}

/// The Activity List, kept in step with the log in the same transaction as each append.
enum ActivityProjection {
    static let name = "activity"

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("activity") { db in
            try db.execute(sql: """
                CREATE TABLE activity (
                    id TEXT PRIMARY KEY, file_name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, kind TEXT NOT NULL,
                    via TEXT NOT NULL, status TEXT NOT NULL, dropped_at TEXT NOT NULL, dropped_by_name TEXT NOT NULL,
                    dropped_by_email TEXT NOT NULL, records INTEGER, ready INTEGER, errors INTEGER, warnings INTEGER, file_errors INTEGER,
                    imported INTEGER, unchanged INTEGER, skipped INTEGER, decided_by_name TEXT, decided_by_email TEXT, decided_at TEXT,
                    reason TEXT, report_sha256 TEXT, report_size INTEGER, position INTEGER NOT NULL
                );
                CREATE INDEX activity_newest_first ON activity (position DESC);
                """)
        }
    }

    static func apply(_ event: RecordedEvent, in db: Database, coder: EventCoder) throws {
        let at = SQLiteEventStore.timestamp(event.recordedAt)
        let actor = event.metadata.actor
        if let uploaded = try coder.decode(event, as: FileUploaded.self) {
            try db.execute(
                sql: """
                    INSERT INTO activity (id, file_name, size, sha256, kind, via, status, dropped_at, dropped_by_name, dropped_by_email, position)
                    VALUES (?, ?, ?, ?, ?, ?, 'uploaded', ?, ?, ?, ?)
                    """,
                arguments: [
                    uploaded.importID.lowercasedString, uploaded.fileName, uploaded.file.size, uploaded.file.sha256, uploaded.kind.rawValue,
                    actor.via.rawValue, at, actor.name, actor.email, event.position,
                ])
        } else if let scan = try coder.decode(event, as: ScanCompleted.self) {
            try db.execute(
                sql: """
                    UPDATE activity SET status = 'scanned', records = ?, ready = ?, errors = ?, warnings = ?, file_errors = ?,
                    report_sha256 = ?, report_size = ? WHERE id = ?
                    """,
                arguments: [
                    scan.records, scan.ready, scan.errors, scan.warnings, scan.fileErrors, scan.report.sha256, scan.report.size,
                    scan.importID.lowercasedString,
                ])
        } else if let approved = try coder.decode(event, as: ImportApproved.self) {
            try db.execute(
                sql: "UPDATE activity SET status = 'approved', decided_by_name = ?, decided_by_email = ?, decided_at = ? WHERE id = ?",
                arguments: [actor.name, actor.email, at, approved.importID.lowercasedString])
        } else if let completed = try coder.decode(event, as: ImportCompleted.self) {
            try db.execute(
                sql: "UPDATE activity SET status = 'imported', imported = ?, unchanged = ?, skipped = ? WHERE id = ?",
                arguments: [completed.imported, completed.unchanged, completed.skipped, completed.importID.lowercasedString])
        } else if let cancelled = try coder.decode(event, as: ImportCancelled.self) {
            try db.execute(
                sql: "UPDATE activity SET status = 'cancelled', decided_by_name = ?, decided_by_email = ?, decided_at = ?, reason = ? WHERE id = ?",
                arguments: [actor.name, actor.email, at, cancelled.reason, cancelled.importID.lowercasedString])
        } else if let failed = try coder.decode(event, as: ImportFailed.self) {
            try db.execute(
                sql: "UPDATE activity SET status = 'failed', reason = ? WHERE id = ?", arguments: [failed.reason, failed.importID.lowercasedString])
        }
    }
}
