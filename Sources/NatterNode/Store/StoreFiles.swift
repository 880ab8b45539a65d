import Foundation
import GRDB

/// The store's files on disk: looks at them, carries out `StoreStartup`'s
/// plan, and keeps them 0600 like the keys.
enum StoreFiles {
    /// SQLite's companions of a database in WAL mode; they belong to it and
    /// move with it. SQLite creates them with the database file's mode.
    static let sidecarSuffixes = ["-wal", "-shm"]
    /// Problems the quick check lists at most; the first is what the user
    /// sees, the rest is a count.
    static let quickCheckLimit = 10

    static func open(_ path: String, now: Date = Date()) throws(StoreError) -> DatabasePool {
        switch StoreStartup.plan(for: found(at: path)) {
        case .create:
            try create(at: path)
            return try pool(at: path)
        case .check:
            restrictPermissions(of: path)
            let rows: [String]
            do {
                // Read-only, so a damaged file is not written to: opening a
                // pool writes (WAL set-up), and closing it checkpoints.
                var readOnly = configuration
                readOnly.readonly = true
                rows = try DatabaseQueue(path: path, configuration: readOnly).read { db in
                    try String.fetchAll(db, sql: "PRAGMA quick_check(\(quickCheckLimit))")
                }
            } catch let error as DatabaseError
                where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode) {
                throw refusal(.damaged(firstProblem: error.message ?? "the file is damaged", more: 0), path: path, now: now)
            } catch {
                throw .cannotOpen(path: path, reason: StoreError.sentence(for: error))
            }
            if let damage = StoreStartup.verdict(quickCheck: rows) {
                throw refusal(damage, path: path, now: now)
            }
            return try pool(at: path)
        case .refuse(let damage):
            throw refusal(damage, path: path, now: now)
        }
    }

    static func found(at path: String) -> StoreStartup.Found {
        var info = stat()
        guard stat(path, &info) == 0 else {
            // Only a file that is not there is missing; any other failure
            // (a directory we may not search) is SQLite's to report.
            guard errno == ENOENT else { return .present(header: StoreStartup.sqliteHeader) }
            var wal = stat()
            return .missing(orphanWAL: stat(path + "-wal", &wal) == 0 && wal.st_size > 0)
        }
        if info.st_size == 0 { return .empty }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            // Unreadable: let SQLite say why (permissions), as for any open.
            return .present(header: StoreStartup.sqliteHeader)
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: StoreStartup.sqliteHeader.count)) ?? Data()
        return .present(header: Array(header))
    }

    static func refusal(_ damage: StoreDamage, path: String, now: Date) -> StoreError {
        let sidecars = sidecarSuffixes.filter { FileManager.default.fileExists(atPath: path + $0) }
        return .refused(damage.message(path: path, sidecars: sidecars, setAsideSuffix: ".damaged-" + timestamp(now)))
    }

    /// `20261126T165000Z`: sorts by time, one shell word.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// Builds a new store under a temporary name and renames it into place
    /// only once its tables are written, so `path` is either absent or a
    /// complete store: a crash at the first start leaves no empty file that
    /// would later look like lost history.
    static func create(at path: String) throws(StoreError) {
        let temporary = path + ".new"
        // An unfinished build from a crash: natter's own, never user data.
        for suffix in [""] + sidecarSuffixes { unlink(temporary + suffix) }
        do {
            let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw DurableFileError.failed(temporary, step: "create", errno: errno) }
            close(descriptor)
            let database = try DatabasePool(path: temporary, configuration: configuration)
            try StoreSchema.migrator.migrate(database)
            // Closing checkpoints the WAL into the file, syncs it and removes the WAL.
            try database.close()
            guard rename(temporary, path) == 0 else { throw DurableFileError.failed(path, step: "rename", errno: errno) }
            try DurableFile.syncDirectory(of: path)
        } catch {
            throw .cannotOpen(path: path, reason: StoreError.sentence(for: error))
        }
    }

    /// Stores made by older versions followed the umask (often 0644).
    static func restrictPermissions(of path: String) {
        for name in [path] + sidecarSuffixes.map({ path + $0 }) {
            var info = stat()
            if stat(name, &info) == 0 && info.st_mode & 0o077 != 0 {
                chmod(name, info.st_mode & 0o700)
            }
        }
    }

    private static func pool(at path: String) throws(StoreError) -> DatabasePool {
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability)")
                // Under SQLite's write lock: no other process with this store
                // open can append a frame past the end while it is lengthened.
                try db.inTransaction(.immediate) {
                    reserveLogSpace(of: path)
                    return .commit
                }
            }
            return pool
        } catch {
            throw .cannotOpen(path: path, reason: StoreError.sentence(for: error))
        }
    }

    /// How the writer commits: `FULL` syncs the WAL at every commit, so a
    /// committed message survives a power cut, not only a crash of natter.
    /// That is what a receipt promises ("stored on the receiver's disk",
    /// Docs/protocol.md). GRDB's pool sets `NORMAL` in WAL mode, which syncs
    /// only at checkpoints, after the connection's own set-up, so this is set
    /// on the writer once the pool is open. (Readers do not write.)
    static let durability = "FULL"

    /// How long the WAL is made when the store opens (about 1,000 frames).
    static let reservedLogBytes = 4 << 20

    /// Lengthens the WAL with zeros to ``reservedLogBytes`` when the store
    /// opens, so that a commit writes inside the file instead of past its
    /// end. Past the end, `fdatasync` must also write the file's new size:
    /// a second write to the disk, which on the lab's disk takes a 12 KiB
    /// sync from 152–201 µs to 292–319 µs at the median, and its system CPU
    /// from 52–68 µs to 66–102 µs (`natter-bench disk-sync`, Docs/benchmarks.md).
    ///
    /// SQLite writes the log from its start again after a checkpoint and
    /// never shortens it (natter sets no `journal_size_limit`), so a store
    /// that has run a while stops growing its log anyway; but SQLite removes
    /// the log when the daemon stops, so every start began with a log that
    /// grew at each commit. Zeros are no frames: SQLite reads a log only up
    /// to the first frame whose salt and checksum do not match, so the space
    /// is never taken for data. Called inside a write transaction, so the
    /// zeros go only past the last frame any writer has written. Best
    /// effort: where it fails (a full disk), commits grow the log as before.
    static func reserveLogSpace(of path: String) {
        let log = path + "-wal"
        let descriptor = Foundation.open(log, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size < reservedLogBytes else { return }
        let zeros = [UInt8](repeating: 0, count: 64 << 10)
        var offset = Int(info.st_size)
        while offset < reservedLogBytes {
            let count = min(zeros.count, reservedLogBytes - offset)
            let written = zeros.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, count, off_t(offset)) }
            guard written > 0 else { return }
            offset += written
        }
        _ = fdatasync(descriptor)
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        return configuration
    }
}
