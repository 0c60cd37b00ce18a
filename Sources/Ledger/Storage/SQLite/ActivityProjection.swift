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
        migrator.registerMigration("activity-reverts") { db in
            try db.execute(sql: """
                ALTER TABLE activity ADD COLUMN reverted_by_name TEXT;
                ALTER TABLE activity ADD COLUMN reverted_by_email TEXT;
                ALTER TABLE activity ADD COLUMN reverted_at TEXT;
                """)
        }
        migrator.registerMigration("activity-changes") { db in
            try db.execute(sql: "ALTER TABLE activity ADD COLUMN changes TEXT")
        }
    }
}
