import Dispatch
import GRDBSQLite
import Synchronization

/// Copies the store's write-ahead log into its database file on a SQLite
/// connection and a queue of its own, so that neither the commit that
/// filled the log nor the commits behind it wait for the copy.
///
/// A busy daemon has no quiet round (``QuietCheckpoints``), so its log grew
/// until the commit that left ``WriteAheadLog/forcedCheckpointFrames``
/// copied all 16 MB of it while its acks or its API answer waited (tens of
/// milliseconds). A passive checkpoint needs none of the writer's locks:
/// SQLite lets it run beside a writer, copying the frames committed when it
/// started, and the first commit after a complete copy starts the log
/// again from its beginning, inside the space the store reserved for it
/// (``StoreFiles/reservedLogBytes``).
///
/// The connection opens at the first copy, so a store that never fills its
/// log (`natter trust`, a quiet daemon) never opens it.
final class LogCopier: Sendable {
    private let path: String
    private let queue = DispatchQueue(label: "natter.store.log-copier")
    /// Only ever used on `queue`; nil until the first copy, and after ``close()``.
    private nonisolated(unsafe) var connection: OpaquePointer?
    private nonisolated(unsafe) var isClosed = false
    private let isCopying = Atomic(false)
    private let copies = Atomic(0)

    init(path: String) {
        self.path = path
    }

    /// Copies run so far (for tests).
    var finishedCopies: Int { copies.load(ordering: .acquiring) }

    /// Runs `copy` on the copier's connection, off the caller's thread,
    /// unless a copy is under way (that one takes what it finds when it
    /// starts; the next commit past the threshold asks again).
    func copySoon(_ copy: @escaping @Sendable (_ connection: OpaquePointer) -> Void) {
        guard isCopying.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        queue.async { [self] in
            defer { isCopying.store(false, ordering: .releasing) }
            guard let connection = openIfNeeded() else { return }
            copy(connection)
            copies.add(1, ordering: .releasing)
        }
    }

    /// Waits for a copy under way (tests, and ``close()``).
    func waitUntilIdle() {
        queue.sync {}
    }

    /// Holds copies back until ``resume()``: a test's way to see a commit
    /// finish before its copy.
    func suspend() { queue.suspend() }
    func resume() { queue.resume() }

    /// Closes the connection (before the store's pool closes, so that the
    /// pool's is the last one and SQLite's own clean-up at close runs there).
    func close() {
        queue.sync {
            isClosed = true
            if let connection { sqlite3_close_v2(connection) }
            connection = nil
        }
    }

    private func openIfNeeded() -> OpaquePointer? {
        guard !isClosed else { return nil }
        if let connection { return connection }
        var opened: OpaquePointer?
        // A new connection learns that the database is in WAL mode when it
        // first reads it: until then a checkpoint does nothing.
        guard sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let opened,
            sqlite3_exec(opened, "PRAGMA schema_version", nil, nil, nil) == SQLITE_OK
        else {
            if let opened { sqlite3_close_v2(opened) }
            return nil
        }
        connection = opened
        return opened
    }
}
