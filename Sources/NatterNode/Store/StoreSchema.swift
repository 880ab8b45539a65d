import GRDB

/// The store's tables, as numbered migrations so an old database upgrades.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // One row per message, both directions. `id` is the sender's
            // time-ordered id, so a redelivered message hits the primary key.
            try db.execute(sql: """
                CREATE TABLE message (
                    id BLOB PRIMARY KEY NOT NULL,
                    peer TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    text TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    sentAt INTEGER NOT NULL,
                    receivedAt INTEGER,
                    delivery TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX message_by_peer ON message(peer, sentAt, id);
                CREATE INDEX message_outbox ON message(delivery, peer, sequence) WHERE delivery = 'queued';
                CREATE TABLE peer (
                    fingerprint TEXT PRIMARY KEY NOT NULL,
                    displayName TEXT NOT NULL,
                    lastSeen INTEGER NOT NULL,
                    shareState INTEGER
                );
                CREATE TABLE setting (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-groups", migrate: GroupSchema.create)
        return migrator
    }
}
