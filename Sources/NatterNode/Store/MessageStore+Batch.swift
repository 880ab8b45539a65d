import GRDB
import NatterCore

/// One write of a group commit (``GroupCommit``): the three writes a message
/// costs, which ``MessageStore/commit(_:)`` puts in one transaction.
enum StoreWrite: Sendable {
    /// A message this device sends, stored as `queued` (``MessageStore/insertOutgoing(_:)``).
    case outgoing(ChatMessage)
    /// A message received, stored unless its id is already stored (``MessageStore/insertIncoming(_:)``).
    case incoming(ChatMessage)
    /// A colleague's receipt for an outgoing message (``MessageStore/markDelivered(_:to:at:)``).
    case delivered(MessageID, to: DeviceFingerprint, at: UInt64)
}

extension StoreWrite {
    /// What a failure of this write is called (`StoreError.failed`'s operation).
    var operation: String {
        switch self {
        case .outgoing: "store an outgoing message"
        case .incoming: "store an incoming message"
        case .delivered: "record a delivery receipt"
        }
    }
}

extension StoreError {
    /// The same failure told as one write's: a commit fails all its writes
    /// for one reason, and each write's sender or log line names its own.
    func failing(_ write: StoreWrite) -> StoreError {
        guard case .failed(_, let reason) = self else { return self }
        return .failed(operation: write.operation, reason: reason)
    }
}

/// What one write of a commit did, in the batch's order.
enum StoreWriteResult: Sendable, Equatable {
    case stored
    /// An incoming message: `isNew` is false for a redelivery.
    case incoming(isNew: Bool)
    /// A receipt: the updated message, nil if unknown or already delivered.
    case delivered(ChatMessage?)
    /// A receipt for a group message or broadcast (no one-to-one message had
    /// that id): the message, and its delivery count once the whole commit
    /// is in, the same for every receipt of that message in it.
    case groupDelivered(GroupRecord, GroupDeliveryCount)
}

extension MessageStore {
    /// Performs `writes` in order in one transaction, and returns when SQLite
    /// committed it (`synchronous = FULL`: on the disk), without holding the
    /// calling thread: the commit runs on the store's writer queue.
    ///
    /// All or nothing: when it throws, none of the writes happened (a full
    /// disk), and every message in it must be treated as not stored.
    ///
    /// A commit of receipts alone is the exception: it returns without
    /// waiting for the disk (`synchronous = NORMAL` for that transaction).
    /// Nothing is lost if a power cut takes it back: the message stays in
    /// the outbox, is sent again, and the colleague, who stored it once
    /// already, acknowledges it again. The next commit that must be durable
    /// syncs the log, and the receipts before it with it.
    func commit(_ writes: [StoreWrite]) async throws(StoreError) -> [StoreWriteResult] {
        let mustReachTheDisk = writes.contains { if case .delivered = $0 { false } else { true } }
        do {
            if mustReachTheDisk {
                return try await database.writeWithoutTransaction { db in
                    try db.inCachedTransaction { try Self.perform(writes, in: db) }
                }
            }
            return try await database.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
                let outcome = Result { try db.inCachedTransaction { try Self.perform(writes, in: db) } }
                // Back before anything else can commit on this connection.
                try db.cachedStatement(sql: "PRAGMA synchronous = \(StoreFiles.durability)").execute()
                return try outcome.get()
            }
        } catch {
            throw .failed(operation: "commit \(writes.count) messages and receipts", reason: StoreError.sentence(for: error))
        }
    }

    /// `writes` in order, inside the caller's transaction. A group message's
    /// receipts are counted once, after the last of them, and the message
    /// is read with them for the delivery event: counting reads every
    /// recipient's row, so counting after each of a group's 49 receipts
    /// would read 49 × 49 rows per message.
    static func perform(_ writes: [StoreWrite], in db: Database) throws -> [StoreWriteResult] {
        let performed = try writes.map { try perform($0, in: db) }
        var groupResults: [MessageID: StoreWriteResult] = [:]
        return try performed.map { performed in
            switch performed {
            case .done(let result):
                return result
            case .groupReceipt(let id):
                if let known = groupResults[id] { return known }
                let result = try record(id, in: db).map { StoreWriteResult.groupDelivered($0, try count(id, in: db)) } ?? .delivered(nil)
                groupResults[id] = result
                return result
            }
        }
    }

    /// One write's outcome; a group receipt's waits for the batch's other receipts.
    private enum Performed {
        case done(StoreWriteResult)
        case groupReceipt(MessageID)
    }

    private static func perform(_ write: StoreWrite, in db: Database) throws -> Performed {
        switch write {
        case .outgoing(let message):
            try insert(message, into: db, ignoringDuplicates: false)
            return .done(.stored)
        case .incoming(let message):
            try insert(message, into: db, ignoringDuplicates: true)
            return .done(.incoming(isNew: db.changesCount > 0))
        case .delivered(let id, let peer, let time):
            // An ack names a message id only: a one-to-one message's, or a
            // group message's. Both in the same commit, so a group's 49
            // receipts cost one commit, not 49.
            if let message = try markDelivered(id, to: peer, at: time, in: db) { return .done(.delivered(message)) }
            if try markGroupDelivered(id, to: peer, at: time, in: db) { return .groupReceipt(id) }
            return .done(.delivered(nil))
        }
    }
}
