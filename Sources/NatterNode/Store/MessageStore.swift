import Foundation
import GRDB
public import NatterCore

/// The device's durable memory: every message in both directions, the outbox,
/// the colleagues met so far and persisted settings, in one SQLite file (WAL).
///
/// A write returns only after SQLite committed it, which is what lets the
/// daemon acknowledge an incoming message ("stored durably") and lets the
/// outbox survive a crash. Safe to share between tasks: GRDB serialises writes.
public final class MessageStore: Sendable {
    let database: DatabasePool
    /// Copies the log beside the writer when a busy daemon filled it.
    let logCopier: LogCopier
    /// What the log holds, for the daemon's quiet checkpoints.
    let writeAheadLog: WriteAheadLog

    /// Opens the store at `path`, migrating it if needed; creates it only
    /// when there is no file at all (a new device).
    ///
    /// An existing file is checked first (`StoreStartup`): one that is empty,
    /// not SQLite, or fails SQLite's quick check is refused with
    /// ``StoreError/refused(_:)``, whose sentence says how to set it aside;
    /// nothing on disk is changed. The store's files are made 0600.
    public convenience init(path: String) throws(StoreError) {
        try self.init(path: path, logCopyThreshold: WriteAheadLog.CopyThreshold())
    }

    /// `logCopyThreshold`: when a busy daemon's log is copied (tests fix it).
    init(path: String, logCopyThreshold: WriteAheadLog.CopyThreshold) throws(StoreError) {
        logCopier = LogCopier(path: path)
        writeAheadLog = WriteAheadLog(copier: logCopier, threshold: logCopyThreshold)
        database = try StoreFiles.open(path)
        do {
            try StoreSchema.migrator.migrate(database)
            database.writeWithoutTransaction { db in writeAheadLog.watch(db) }
        } catch {
            throw .cannotOpen(path: path, reason: StoreError.sentence(for: error))
        }
    }

    deinit {
        database.writeWithoutTransaction { db in writeAheadLog.stopWatching(db) }
        logCopier.close()
    }

    // MARK: Messages

    /// Stores a message this device is sending, as `queued`: it is in the
    /// outbox until ``markDelivered(_:at:)``.
    public func insertOutgoing(_ message: ChatMessage) throws(StoreError) {
        try write("store an outgoing message") { db in
            try Self.insert(message, into: db, ignoringDuplicates: false)
        }
    }

    /// Stores an incoming message unless one with its id is already stored.
    /// - Returns: true when it was new, false for a redelivery (already shown once).
    @discardableResult
    public func insertIncoming(_ message: ChatMessage) throws(StoreError) -> Bool {
        try write("store an incoming message") { db in
            try Self.insert(message, into: db, ignoringDuplicates: true)
            return db.changesCount > 0
        }
    }

    /// Records `peer`'s acknowledgement of an outgoing message to them.
    /// - Returns: the updated message, or nil if it was unknown, to someone
    ///   else, or already delivered.
    public func markDelivered(_ id: MessageID, to peer: DeviceFingerprint, at time: UInt64) throws(StoreError) -> ChatMessage? {
        try write("record a delivery receipt") { db in try Self.markDelivered(id, to: peer, at: time, in: db) }
    }

    static func markDelivered(_ id: MessageID, to peer: DeviceFingerprint, at time: UInt64, in db: Database) throws -> ChatMessage? {
        try db.cachedStatement(
            sql: """
                UPDATE message SET delivery = 'delivered', receivedAt = ?
                WHERE id = ? AND peer = ? AND direction = 'outgoing' AND delivery = 'queued'
                """
        ).execute(arguments: [Int64(time), Data(id.bytes), peer.fullText])
        guard db.changesCount > 0 else { return nil }
        return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM message WHERE id = ?"), arguments: [Data(id.bytes)])
            .flatMap(Self.message(from:))
    }

    /// The outbox for one colleague, oldest first: what must go out when they are reachable.
    public func outbox(for peer: DeviceFingerprint) throws(StoreError) -> [ChatMessage] {
        try read("read the outbox") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM message WHERE delivery = 'queued' AND peer = ? ORDER BY sequence",
                arguments: [peer.fullText]
            ).compactMap(Self.message(from:))
        }
    }

    /// The conversation with `peer`, oldest first, at most the `limit` newest messages;
    /// with `before`, the newest of those older than that message (history paging:
    /// a page ends just before the oldest message already shown; an unknown id gives none).
    public func history(with peer: DeviceFingerprint, limit: Int, before: MessageID? = nil) throws(StoreError) -> [ChatMessage] {
        try read("read history") { db in
            guard let before else {
                return try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM (SELECT * FROM message WHERE peer = ? ORDER BY sentAt DESC, id DESC LIMIT ?) ORDER BY sentAt, id",
                    arguments: [peer.fullText, limit]
                ).compactMap(Self.message(from:))
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT message.* FROM message, (SELECT sentAt AS pageSentAt, id AS pageID FROM message WHERE id = ? AND peer = ?)
                        WHERE peer = ? AND (sentAt < pageSentAt OR (sentAt = pageSentAt AND id < pageID))
                        ORDER BY sentAt DESC, id DESC LIMIT ?
                    ) ORDER BY sentAt, id
                    """,
                arguments: [Data(before.bytes), peer.fullText, peer.fullText, limit]
            ).compactMap(Self.message(from:))
        }
    }

    // MARK: Peers

    /// Remembers a colleague (or refreshes their name and last-seen time),
    /// keeping any sharing override already set.
    public func rememberPeer(_ fingerprint: DeviceFingerprint, displayName: String, seenAt time: UInt64) throws(StoreError) {
        try write("remember a colleague") { db in
            try db.execute(
                sql: """
                    INSERT INTO peer (fingerprint, displayName, lastSeen) VALUES (?, ?, ?)
                    ON CONFLICT(fingerprint) DO UPDATE SET displayName = excluded.displayName, lastSeen = excluded.lastSeen
                    """,
                arguments: [fingerprint.fullText, displayName, Int64(time)])
        }
    }

    /// Sets or clears (nil) the per-colleague session-state sharing override.
    public func setShareState(_ share: Bool?, for fingerprint: DeviceFingerprint) throws(StoreError) {
        try write("save a privacy setting") { db in
            try db.execute(
                sql: """
                    INSERT INTO peer (fingerprint, displayName, lastSeen, shareState) VALUES (?, '', 0, ?)
                    ON CONFLICT(fingerprint) DO UPDATE SET shareState = excluded.shareState
                    """,
                arguments: [fingerprint.fullText, share])
        }
    }

    /// Every colleague met so far.
    public func knownPeers() throws(StoreError) -> [KnownPeer] {
        try read("list colleagues") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM peer ORDER BY displayName").compactMap { row in
                guard let fingerprint = DeviceFingerprint(fullText: row["fingerprint"]) else { return nil }
                let lastSeen: Int64 = row["lastSeen"]
                return KnownPeer(
                    fingerprint: fingerprint, displayName: row["displayName"],
                    lastSeen: UInt64(max(0, lastSeen)), shareState: row["shareState"])
            }
        }
    }

    /// A colleague's new device replaces the old one (`natter trust`): the
    /// conversation, the outbox, the name and the sharing override move to
    /// `new`, in one transaction, and the old device is forgotten.
    public func replaceDevice(_ old: DeviceFingerprint, with new: DeviceFingerprint) throws(StoreError) {
        try write("move a colleague's history to their new device") { db in
            try db.execute(sql: "UPDATE message SET peer = ? WHERE peer = ?", arguments: [new.fullText, old.fullText])
            try db.execute(
                sql: """
                    INSERT INTO peer (fingerprint, displayName, lastSeen, shareState)
                    SELECT ?, displayName, lastSeen, shareState FROM peer WHERE fingerprint = ?
                    ON CONFLICT(fingerprint) DO UPDATE SET shareState = coalesce(peer.shareState, excluded.shareState)
                    """,
                arguments: [new.fullText, old.fullText])
            try db.execute(sql: "DELETE FROM peer WHERE fingerprint = ?", arguments: [old.fullText])
        }
    }

    /// `natter forget`: the colleague's row (name, last seen, sharing
    /// override) goes; their messages too when `deletingMessages`, in the
    /// same transaction. Returns how many messages were deleted.
    public func forgetPeer(_ fingerprint: DeviceFingerprint, deletingMessages: Bool) throws(StoreError) -> Int {
        try write("forget a colleague") { db in
            try db.execute(sql: "DELETE FROM peer WHERE fingerprint = ?", arguments: [fingerprint.fullText])
            guard deletingMessages else { return 0 }
            try db.execute(sql: "DELETE FROM message WHERE peer = ?", arguments: [fingerprint.fullText])
            return db.changesCount
        }
    }

    // MARK: Settings

    /// A persisted setting, nil when never set.
    public func setting(_ key: String) throws(StoreError) -> String? {
        try read("read a setting") { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
        }
    }

    public func setSetting(_ key: String, to value: String) throws(StoreError) {
        try write("save a setting") { db in
            try db.execute(
                sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    /// Makes sure everything written so far is in the main database file, so a
    /// clean shutdown leaves no WAL to replay.
    public func checkpoint() throws(StoreError) {
        do {
            let done = try database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            writeAheadLog.checkpointed(walFrameCount: done.walFrameCount, checkpointedFrameCount: done.checkpointedFrameCount)
        } catch {
            throw .failed(operation: "checkpoint", reason: StoreError.sentence(for: error))
        }
    }

    /// Copies the log into the database file without waiting for readers
    /// (passive), on the writer's queue, off the caller's thread: the
    /// daemon's quiet checkpoint (``QuietCheckpoints``).
    func checkpointLog() async throws(StoreError) {
        do {
            let done = try await database.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            writeAheadLog.checkpointed(walFrameCount: done.walFrameCount, checkpointedFrameCount: done.checkpointedFrameCount)
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_BUSY {
            return  // the ``LogCopier`` is copying it: nothing is wrong, and a later round finds the rest
        } catch {
            throw .failed(operation: "checkpoint", reason: StoreError.sentence(for: error))
        }
    }

    /// Makes the store behave as on a full disk: SQLite may not grow the file
    /// beyond its current pages, so writes that need room fail with
    /// `SQLITE_FULL`, as they do when the disk is full. For tests of what the
    /// daemon does then; the limit lasts until the store is closed.
    func simulateFullDisk() throws {
        try database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    // MARK: Plumbing

    /// Prepared once per connection (GRDB's statement cache): a group
    /// commit runs this for every message in its batch.
    static func insert(_ message: ChatMessage, into db: Database, ignoringDuplicates: Bool) throws {
        try db.cachedStatement(
            sql: """
                INSERT \(ignoringDuplicates ? "OR IGNORE " : "")INTO message
                (id, peer, direction, text, sequence, sentAt, receivedAt, delivery)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                Data(message.id.bytes), message.peer.fullText, message.direction.rawValue, message.text,
                Int64(bitPattern: message.sequence), Int64(message.sentAt), message.receivedAt.map { Int64($0) },
                message.delivery.rawValue,
            ])
    }

    private static func message(from row: Row) -> ChatMessage? {
        let idData: Data = row["id"]
        guard let id = MessageID(bytes: Array(idData)),
            let peer = DeviceFingerprint(fullText: row["peer"]),
            let direction = ChatMessage.Direction(rawValue: row["direction"]),
            let delivery = DeliveryState(rawValue: row["delivery"])
        else { return nil }
        let sequence: Int64 = row["sequence"]
        let sentAt: Int64 = row["sentAt"]
        let receivedAt: Int64? = row["receivedAt"]
        return ChatMessage(
            id: id, peer: peer, direction: direction, text: row["text"],
            sequence: UInt64(bitPattern: sequence), sentAt: UInt64(max(0, sentAt)),
            receivedAt: receivedAt.map { UInt64(max(0, $0)) }, delivery: delivery)
    }

    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.writeWithoutTransaction { db in try db.inCachedTransaction { try body(db) } }
        } catch {
            throw .failed(operation: operation, reason: StoreError.sentence(for: error))
        }
    }

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw .failed(operation: operation, reason: StoreError.sentence(for: error))
        }
    }
}
