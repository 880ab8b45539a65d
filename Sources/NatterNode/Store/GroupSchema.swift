import GRDB

/// The group tables (migration `v2-groups`), beside the one-to-one ones so
/// the message table and its outbox stay as they are.
enum GroupSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            -- Every group this device knows: where its membership log starts
            -- (the roster it started from and that change's order key) and the
            -- per-group sharing switch (NULL: unset, 0 off, 1 on).
            CREATE TABLE chatGroup (
                id BLOB PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                creator TEXT NOT NULL,
                baseMembers TEXT NOT NULL,
                baseTimestamp INTEGER NOT NULL,
                baseAuthor TEXT NOT NULL,
                baseMessage BLOB NOT NULL,
                shareState INTEGER
            ) WITHOUT ROWID;
            -- Every group message, membership change and broadcast (groupID
            -- NULL), both directions, once per id; `author` is the
            -- fingerprint's 32 bytes, so the index sorts in the agreed order
            -- (GroupOrderKey). `frame` is the encoded frame as sent
            -- (Docs/protocol.md §5.9): resent as is, and the changes are
            -- decoded from it to rebuild the membership at start.
            CREATE TABLE groupMessage (
                id BLOB PRIMARY KEY NOT NULL,
                groupID BLOB,
                author BLOB NOT NULL,
                direction TEXT NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                timestamp INTEGER NOT NULL,
                sequence INTEGER NOT NULL,
                sentAt INTEGER NOT NULL,
                receivedAt INTEGER,
                frame BLOB NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX groupMessage_order ON groupMessage(groupID, timestamp, author, id);
            -- The group outbox: one row per outgoing message and recipient,
            -- until that recipient's ack (deliveredAt set).
            CREATE TABLE groupDelivery (
                message BLOB NOT NULL,
                member TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                deliveredAt INTEGER,
                PRIMARY KEY (message, member)
            ) WITHOUT ROWID;
            CREATE INDEX groupDelivery_outbox ON groupDelivery(member, sequence) WHERE deliveredAt IS NULL;
            """)
    }
}
