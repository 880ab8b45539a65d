import GRDB
import GRDBSQLite
import Synchronization

/// What the store's write-ahead log holds, as SQLite tells it after every
/// commit (its WAL hook), so that the log is copied into the database file
/// when the daemon is quiet (``QuietCheckpoints``) instead of inside
/// whichever commit crosses SQLite's threshold.
///
/// SQLite's own auto-checkpoint runs in the commit that leaves 1,000 frames
/// in the log: that commit then also copies them and syncs the database
/// file, and the receipt or the loop waiting for it waits that long too.
/// Registering this hook turns the auto-checkpoint off (SQLite has one WAL
/// hook per connection). In its place, a commit that leaves at least the
/// log's copy threshold (``CopyThreshold``, within the reserved length) asks
/// the ``LogCopier`` to copy the log beside the writer, for a daemon that is
/// never quiet; and a commit that leaves ``forcedCheckpointFrames`` copies
/// it itself, a bound on the log should the copier fall behind or fail.
final class WriteAheadLog: Sendable {
    /// What the log holds now.
    struct Counts: Sendable, Equatable {
        /// Frames (pages) in the log after the last commit; 0 once a
        /// checkpoint has copied them all into the database file.
        var frames = 0
        /// Commits since the store opened: a round that sees the same count saw none.
        var commits = 0
    }

    /// 16 MB of 4 KiB pages, four times SQLite's default: the copier's
    /// copies keep a busy log well below it.
    static let forcedCheckpointFrames: Int32 = 4_000
    /// The frames (a 4 KiB page and its 24-byte header) that fit in the log's
    /// reserved length, about 1,000: the most a busy log holds before its
    /// copy (``CopyThreshold``), so that it starts again inside the file,
    /// where a commit's sync does not also write the file's new size.
    static let backgroundCopyFrames = Int32(StoreFiles.reservedLogBytes / (4_096 + 24))

    private let counts = Mutex(Counts())
    private let copier: LogCopier
    /// Whether a connection holds a retained pointer to this object.
    private let isWatched = Mutex(false)
    private let threshold: Mutex<CopyThreshold>

    /// `copier`: where the log is copied once it holds its threshold.
    init(copier: LogCopier, threshold: CopyThreshold) {
        self.copier = copier
        self.threshold = Mutex(threshold)
    }

    /// Frames at which a commit asks for a copy, until the next copy.
    var copyThreshold: Int32 { threshold.withLock { $0.frames } }

    var current: Counts { counts.withLock { $0 } }

    /// Starts watching the log of `db`, the store's only writing connection.
    /// The connection keeps a pointer to this object until ``stopWatching(_:)``.
    func watch(_ db: Database) {
        guard !isWatched.withLock({ watched in defer { watched = true }; return watched }) else { return }
        sqlite3_wal_hook(db.sqliteConnection, walCommitted, Unmanaged.passRetained(self).toOpaque())
    }

    /// Stops the hook and releases what ``watch(_:)`` retained; nothing when
    /// it never started (a store whose opening failed).
    func stopWatching(_ db: Database) {
        guard isWatched.withLock({ watched in defer { watched = false }; return watched }) else { return }
        sqlite3_wal_hook(db.sqliteConnection, nil, nil)
        Unmanaged.passUnretained(self).release()
    }

    fileprivate func committed(frames: Int) {
        counts.withLock { $0.commits += 1; $0.frames = frames }
    }

    /// A checkpoint ran: with every frame copied, the log holds nothing to copy.
    func checkpointed(walFrameCount: Int, checkpointedFrameCount: Int) {
        guard walFrameCount >= 0, checkpointedFrameCount == walFrameCount else { return }
        counts.withLock { $0.frames = 0 }
    }

    /// Has the copier copy the log beside the writer. A commit while it
    /// copies leaves frames it did not see, so the count is reset only
    /// when none came in.
    fileprivate func copyInBackground() {
        copier.copySoon { [self] connection in
            let commitsBefore = current.commits
            var inLog: Int32 = -1, copied: Int32 = -1
            guard sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &inLog, &copied) == SQLITE_OK,
                inLog >= 0, copied == inLog
            else { return }
            counts.withLock { if $0.commits == commitsBefore { $0.frames = 0 } }
            threshold.withLock { $0.drawAgain() }
        }
    }

    /// How full the log may get before a copy: a number drawn anew after
    /// each copy, between half the log's reserved length and all of it.
    ///
    /// A fixed number made every member of a group copy in the same round:
    /// they commit the same messages, so their logs fill alike. In the
    /// 50-host lab, 48 of 49 members copied at the same message, all on one
    /// machine's two CPUs and one disk, and that message took 38.6 ms
    /// against a median of 18.4. The same happens wherever colleagues'
    /// daemons share a machine (a terminal server). Drawn, the copies spread
    /// over hundreds of messages (Floyd and Jacobson's lesson on periodic
    /// routing messages: independent timers synchronise unless jittered).
    struct CopyThreshold: Sendable {
        private(set) var frames: Int32
        private let draw: @Sendable () -> Int32

        /// `draw`: the next threshold (tests pass a fixed one).
        init(draw: @escaping @Sendable () -> Int32 = { Int32.random(in: CopyThreshold.range) }) {
            self.draw = draw
            frames = draw()
        }

        mutating func drawAgain() {
            frames = draw()
        }

        /// Half the reserved length to all of it: the copied log still starts again inside it.
        static let range = (WriteAheadLog.backgroundCopyFrames / 2)...WriteAheadLog.backgroundCopyFrames
    }
}

/// SQLite's WAL hook: called on the writer's queue after each commit, with
/// the frames now in the log.
private func walCommitted(
    context: UnsafeMutableRawPointer?, connection: OpaquePointer?, database: UnsafePointer<CChar>?, frames: Int32
) -> Int32 {
    guard let context else { return SQLITE_OK }
    let log = Unmanaged<WriteAheadLog>.fromOpaque(context).takeUnretainedValue()
    log.committed(frames: Int(frames))
    if frames >= WriteAheadLog.forcedCheckpointFrames {
        // What the auto-checkpoint would do (passive: never waits for readers).
        var inLog: Int32 = -1, copied: Int32 = -1
        if sqlite3_wal_checkpoint_v2(connection, database, SQLITE_CHECKPOINT_PASSIVE, &inLog, &copied) == SQLITE_OK {
            log.checkpointed(walFrameCount: Int(inLog), checkpointedFrameCount: Int(copied))
        }
    } else if frames >= log.copyThreshold {
        log.copyInBackground()
    }
    return SQLITE_OK
}

/// When the daemon's maintenance round copies the store's log into the
/// database file: only after a whole round without a commit, so the copy
/// and its `fsync` never delay a message, a receipt or the loop that waits
/// for them. A value, asked once a round.
struct QuietCheckpoints: Sendable {
    private var commitsAtLastRound: Int?

    /// The round's look at the log: true when it is time to checkpoint.
    mutating func round(_ log: WriteAheadLog.Counts) -> Bool {
        defer { commitsAtLastRound = log.commits }
        return log.frames > 0 && log.commits == commitsAtLastRound
    }
}
