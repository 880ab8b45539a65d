import Foundation
import GRDB
import NatterCore

/// Groups in the store (tables of `GroupSchema`): a separate set of tables
/// and calls, so the one-to-one message table and its outbox are untouched.
/// Every write commits before it returns, as for chat: an ack follows only
/// a committed insert, and the outbox survives a crash.
extension MessageStore {
    /// Records a group's starting point: at creation, or when this device is
    /// added (again) with the roster the adding change carried.
    func saveGroup(base: GroupRoster, baseKey: GroupOrderKey) throws(StoreError) {
        try write("save a group") { db in
            try db.execute(
                sql: """
                    INSERT INTO chatGroup (id, name, creator, baseMembers, baseTimestamp, baseAuthor, baseMessage)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, creator = excluded.creator,
                        baseMembers = excluded.baseMembers, baseTimestamp = excluded.baseTimestamp,
                        baseAuthor = excluded.baseAuthor, baseMessage = excluded.baseMessage
                    """,
                arguments: [
                    Data(base.id.bytes), base.name.text, base.creator.fullText,
                    base.members.sorted().map(\.fullText).joined(separator: " "),
                    Int64(bitPattern: baseKey.timestamp.rawValue), Data(baseKey.sender.bytes), Data(baseKey.id.bytes),
                ])
        }
    }

    func groups() throws(StoreError) -> [StoredGroup] {
        try read("list groups") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM chatGroup").compactMap { row in
                let idData: Data = row["id"], authorData: Data = row["baseAuthor"], messageData: Data = row["baseMessage"]
                let timestamp: Int64 = row["baseTimestamp"], members: String = row["baseMembers"]
                guard let id = GroupID(bytes: Array(idData)), let name = try? GroupName(row["name"] as String),
                    let creator = DeviceFingerprint(fullText: row["creator"]),
                    authorData.count == DeviceFingerprint.byteCount, let message = MessageID(bytes: Array(messageData))
                else { return nil }
                let roster = GroupRoster(
                    id: id, name: name, creator: creator,
                    members: Set(members.split(separator: " ").compactMap { DeviceFingerprint(fullText: String($0)) }))
                let key = GroupOrderKey(
                    timestamp: HybridTimestamp(rawValue: UInt64(bitPattern: timestamp)),
                    sender: DeviceFingerprint(bytes: Array(authorData)), id: message)
                return StoredGroup(base: roster, baseKey: key, shareState: row["shareState"])
            }
        }
    }

    func setGroupShareState(_ share: Bool?, for group: GroupID) throws(StoreError) {
        try write("save a group's privacy setting") { db in
            try db.execute(sql: "UPDATE chatGroup SET shareState = ? WHERE id = ?", arguments: [share, Data(group.bytes)])
        }
    }

    /// Stores an outgoing group message, change or broadcast with one outbox
    /// entry per recipient, in one transaction.
    func insertOutgoingGroup(_ record: GroupRecord, recipients: [DeviceFingerprint]) throws(StoreError) {
        try write("store an outgoing group message") { db in
            try Self.insert(record, into: db, ignoringDuplicates: false)
            let entry = try db.cachedStatement(sql: "INSERT INTO groupDelivery (message, member, sequence) VALUES (?, ?, ?)")
            for member in recipients {
                try entry.execute(arguments: [Data(record.id.bytes), member.fullText, Int64(bitPattern: record.sequence)])
            }
        }
    }

    /// Stores an incoming group message once per id.
    /// - Returns: true when it was new.
    @discardableResult
    func insertIncomingGroup(_ record: GroupRecord) throws(StoreError) -> Bool {
        try write("store an incoming group message") { db in
            try Self.insert(record, into: db, ignoringDuplicates: true)
            return db.changesCount > 0
        }
    }

    /// `member`'s ack of an outgoing group message or broadcast, inside the
    /// caller's transaction (a group commit, ``MessageStore/commit(_:)``,
    /// which counts each message's receipts once, after all of them).
    /// - Returns: false when the ack was unknown, from someone it was not
    ///   sent to, or already counted.
    static func markGroupDelivered(_ id: MessageID, to member: DeviceFingerprint, at time: UInt64, in db: Database) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE groupDelivery SET deliveredAt = ? WHERE message = ? AND member = ? AND deliveredAt IS NULL")
            .execute(arguments: [Int64(time), Data(id.bytes), member.fullText])
        return db.changesCount > 0
    }

    func groupDeliveryCount(_ id: MessageID) throws(StoreError) -> GroupDeliveryCount {
        try read("read a group delivery count") { db in try Self.count(id, in: db) }
    }

    /// Encoded frames waiting for `member`'s ack, oldest sequence first;
    /// `sentBefore` keeps only those first sent at or before that Unix ms.
    func groupOutbox(for member: DeviceFingerprint, sentBefore: UInt64 = .max) throws(StoreError) -> [[UInt8]] {
        try read("read the group outbox") { db in
            try Data.fetchAll(
                db,
                sql: """
                    SELECT m.frame FROM groupDelivery d JOIN groupMessage m ON m.id = d.message
                    WHERE d.member = ? AND d.deliveredAt IS NULL AND m.sentAt <= ? ORDER BY d.sequence
                    """,
                arguments: [member.fullText, Int64(clamping: sentBefore)]
            ).map { Array($0) }
        }
    }

    /// The colleagues whose outbox is not empty: one-to-one messages or
    /// group frames still waiting for their receipt. The maintenance round
    /// resends to these only, so a daemon linked to 49 colleagues asks the
    /// store once a round, not twice per colleague (both partial indexes
    /// hold only what waits, so this reads nothing when nothing does).
    func peersAwaitingReceipts() throws(StoreError) -> Set<DeviceFingerprint> {
        try read("read which outboxes hold something") { db in
            let peers = try String.fetchAll(
                db,
                sql: """
                    SELECT peer FROM message WHERE delivery = 'queued'
                    UNION SELECT member FROM groupDelivery WHERE deliveredAt IS NULL
                    """)
            return Set(peers.compactMap(DeviceFingerprint.init(fullText:)))
        }
    }

    /// Drops the pending entries of `group` for one member (removed, or left).
    func dropGroupOutbox(_ group: GroupID, member: DeviceFingerprint) throws(StoreError) {
        try write("drop a group's outbox") { db in
            try db.execute(
                sql: """
                    DELETE FROM groupDelivery WHERE deliveredAt IS NULL AND member = ?
                    AND message IN (SELECT id FROM groupMessage WHERE groupID = ?)
                    """,
                arguments: [member.fullText, Data(group.bytes)])
        }
    }

    /// Drops the pending entries of `group` whose message orders after
    /// `place` in the agreed order (``GroupOrderKey``, as the history sorts),
    /// for every recipient; nil drops them all. This device was removed at
    /// `place`: what it sent before still belongs to the conversation.
    func dropGroupOutbox(_ group: GroupID, orderedAfter place: GroupOrderKey?) throws(StoreError) {
        try write("drop a group's outbox") { db in
            try db.execute(
                sql: """
                    DELETE FROM groupDelivery WHERE deliveredAt IS NULL
                    AND message IN (
                        SELECT id FROM groupMessage WHERE groupID = ?
                        AND (?2 IS NULL OR (timestamp, author, id) > (?2, ?3, ?4)))
                    """,
                arguments: [
                    Data(group.bytes), place.map { Int64(bitPattern: $0.timestamp.rawValue) }, place.map { Data($0.sender.bytes) },
                    place.map { Data($0.id.bytes) },
                ])
        }
    }

    /// A group's conversation (nil: broadcasts), in the agreed order, at most
    /// the `limit` last.
    /// With `before`, the newest `limit` older than that message in the agreed
    /// order (history paging); none when it is not a message of `group`.
    func groupHistory(_ group: GroupID?, limit: Int, before: MessageID? = nil) throws(StoreError) -> [GroupRecord] {
        try read("read a group's history") { db in
            guard let before else {
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM (SELECT * FROM groupMessage WHERE groupID IS ? ORDER BY timestamp DESC, author DESC, id DESC LIMIT ?)
                        ORDER BY timestamp, author, id
                        """,
                    arguments: [group.map { Data($0.bytes) }, limit]
                ).compactMap(Self.record(from:))
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT groupMessage.* FROM groupMessage,
                            (SELECT timestamp AS pageTimestamp, author AS pageAuthor, id AS pageID FROM groupMessage WHERE id = ? AND groupID IS ?)
                        WHERE groupID IS ? AND (timestamp, author, id) < (pageTimestamp, pageAuthor, pageID)
                        ORDER BY timestamp DESC, author DESC, id DESC LIMIT ?
                    ) ORDER BY timestamp, author, id
                    """,
                arguments: [Data(before.bytes), group.map { Data($0.bytes) }, group.map { Data($0.bytes) }, limit]
            ).compactMap(Self.record(from:))
        }
    }

    /// Every membership change of `group`, to rebuild its membership at start.
    func groupChanges(_ group: GroupID) throws(StoreError) -> [GroupRecord] {
        try read("read a group's membership changes") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM groupMessage WHERE groupID = ? AND kind = 'change' ORDER BY timestamp, author, id",
                arguments: [Data(group.bytes)]
            ).compactMap(Self.record(from:))
        }
    }

    // MARK: Plumbing

    private static func insert(_ record: GroupRecord, into db: Database, ignoringDuplicates: Bool) throws {
        try db.cachedStatement(
            sql: """
                INSERT \(ignoringDuplicates ? "OR IGNORE " : "")INTO groupMessage
                (id, groupID, author, direction, kind, text, timestamp, sequence, sentAt, receivedAt, frame)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                Data(record.id.bytes), record.group.map { Data($0.bytes) }, Data(record.author.bytes), record.direction.rawValue,
                record.kind.rawValue, record.text, Int64(bitPattern: record.timestamp.rawValue), Int64(bitPattern: record.sequence),
                Int64(clamping: record.sentAt), record.receivedAt.map { Int64(clamping: $0) }, Data(record.frame),
            ])
    }

    static func count(_ id: MessageID, in db: Database) throws -> GroupDeliveryCount {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT count(deliveredAt) AS delivered, count(*) AS total FROM groupDelivery WHERE message = ?"),
            arguments: [Data(id.bytes)])
        return GroupDeliveryCount(delivered: row?["delivered"] ?? 0, recipients: row?["total"] ?? 0)
    }

    fileprivate static func record(from row: Row) -> GroupRecord? {
        let idData: Data = row["id"], authorData: Data = row["author"], frame: Data = row["frame"]
        let groupData: Data? = row["groupID"]
        let timestamp: Int64 = row["timestamp"], sequence: Int64 = row["sequence"], sentAt: Int64 = row["sentAt"]
        let receivedAt: Int64? = row["receivedAt"]
        guard let id = MessageID(bytes: Array(idData)), authorData.count == DeviceFingerprint.byteCount,
            let direction = MessageDirection(rawValue: row["direction"]), let kind = GroupRecord.Kind(rawValue: row["kind"])
        else { return nil }
        let group = groupData.flatMap { GroupID(bytes: Array($0)) }
        return GroupRecord(
            id: id, group: group, author: DeviceFingerprint(bytes: Array(authorData)), direction: direction, kind: kind,
            text: row["text"], timestamp: HybridTimestamp(rawValue: UInt64(bitPattern: timestamp)),
            sequence: UInt64(bitPattern: sequence), sentAt: UInt64(max(0, sentAt)), receivedAt: receivedAt.map { UInt64(max(0, $0)) },
            frame: Array(frame))
    }
}

extension MessageStore {
    /// What the group clock held before a restart, so it never goes back
    /// across one: the newest of this device's own timestamps and of the
    /// received ones as the clock took them, each at most 60 s past its
    /// arrival (``HybridLogicalClock/receive(_:wallMilliseconds:)``); a
    /// colleague whose clock runs a day fast moves it no further after a
    /// restart than before. A received broadcast never moved it (it carries
    /// no timestamp); this device's own broadcasts took theirs from it.
    func latestGroupTimestamp() throws(StoreError) -> HybridTimestamp {
        try read("read the group clock") { db in
            let latest = try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(CASE WHEN direction = 'outgoing' THEN timestamp
                                    ELSE min(timestamp, ((receivedAt + ?) << 16) | 65535) END)
                    FROM groupMessage WHERE kind != 'broadcast' OR direction = 'outgoing'
                    """,
                arguments: [Int64(HybridLogicalClock.maximumDriftMilliseconds)])
            return HybridTimestamp(rawValue: UInt64(max(0, latest ?? 0)))
        }
    }
}

extension MessageStore {
    /// A stored group message by id, inside the caller's transaction (a
    /// commit's group receipts read their message with their count).
    static func record(_ id: MessageID, in db: Database) throws -> GroupRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM groupMessage WHERE id = ?"), arguments: [Data(id.bytes)])
            .flatMap(record(from:))
    }
}
