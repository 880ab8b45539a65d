import ArgumentParser
import Foundation

/// The raw disk under the lab's stores, used the way a commit uses it: a few
/// pages written into a file that has already grown (a reused WAL), then
/// `fdatasync`. Once alone, then by `writers` threads at once, each on its
/// own file, timed until the last of them is done: what a group message's
/// members spend waiting for the lab's one shared disk before their receipts
/// can leave. In an office each member syncs its own machine's disk.
///
/// Beside the lone writer, the same writes appended past the file's end, as
/// a WAL that grows does, with the system CPU of both: a sync past the end
/// must also write the file's new size, which is why the store makes its log
/// long when it opens (`StoreFiles.reserveLogSpace`).
struct DiskSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disk-sync", abstract: "Write-and-fdatasync latency of the lab's disk: one writer inside its file and past its end, then many at once.")
    @Option(help: "Where to write: a directory on the disk the lab's data directories are on.") var directory: String
    @Option(help: "Writers syncing at once in the second part (a group's members).") var writers = 49
    @Option(help: "Syncs per writer and part (the first tenth warms up and is not counted).") var count = 200
    @Option(help: "Bytes written before each sync: about one commit of a group message.") var bytes = 12_288

    /// Slots each file cycles through, so the file never grows once made.
    static let slots = 64

    func run() throws {
        guard writers > 0, count > 0, bytes > 0 else { throw BenchError("writers, count and bytes must be positive") }
        let files = try (0..<writers).map { try SyncFile(path: "\(directory)/disk-sync-\($0)", bytes: bytes) }
        defer { for file in files { file.remove() } }
        var alone = Samples()
        let aloneCPU = try systemCPU(count: count) { index in
            let start = ContinuousClock.now
            try files[0].writeAndSync(slot: index % Self.slots)
            if index >= count / 10 { alone.add(ContinuousClock.now - start) }
        }
        print(alone.summary("disk-sync-1"))
        let growingFile = try SyncFile(growingAt: "\(directory)/disk-sync-growing", bytes: bytes)
        defer { growingFile.remove() }
        var growing = Samples()
        let growingCPU = try systemCPU(count: count) { index in
            let start = ContinuousClock.now
            try growingFile.appendAndSync()
            if index >= count / 10 { growing.add(ContinuousClock.now - start) }
        }
        print(growing.summary("disk-sync-1-growing"))
        print(
            "{\"scenario\":\"disk-sync-cpu\",\"n\":\(count),\"inside_system_us\":\(String(format: "%.1f", aloneCPU)),"
                + "\"growing_system_us\":\(String(format: "%.1f", growingCPU))}")
        print(try together(files).summary("disk-sync-\(writers)"))
    }

    /// Runs `body` for a tenth more than `count` rounds and returns the
    /// system CPU per round of the counted ones (this thread is the only
    /// busy one then).
    private func systemCPU(count: Int, _ body: (Int) throws -> Void) throws -> Double {
        let warmUp = count / 10
        for index in 0..<warmUp { try body(index) }
        let before = Self.systemMicroseconds()
        for index in warmUp..<(count + warmUp) { try body(index) }
        return (Self.systemMicroseconds() - before) / Double(count)
    }

    private static func systemMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_stime.tv_sec) * 1_000_000 + Double(usage.ru_stime.tv_usec)
    }

    /// Rounds in which every writer writes and syncs once, all released at
    /// the same moment; a sample is the time until the last one is done.
    private func together(_ files: [SyncFile]) throws -> Samples {
        let rounds = count + count / 10
        let barrier = Barrier(parties: files.count + 1)
        let failures = FailureCount()
        let threads = files.map { file in
            Thread {
                for round in 0..<rounds {
                    barrier.wait()  // released together
                    do { try file.writeAndSync(slot: round % Self.slots) } catch { failures.add() }
                    barrier.wait()  // all done
                }
            }
        }
        for thread in threads { thread.start() }
        var samples = Samples()
        for round in 0..<rounds {
            barrier.wait()
            let start = ContinuousClock.now
            barrier.wait()
            if round >= count / 10 { samples.add(ContinuousClock.now - start) }
        }
        guard failures.value == 0 else { throw BenchError("\(failures.value) writes or syncs failed") }
        return samples
    }
}

/// One file of the disk test (and of a raw group member, `fanout-member`),
/// made at its full size (and synced) first.
struct SyncFile: @unchecked Sendable {
    let path: String
    let descriptor: Int32
    let page: [UInt8]

    init(path: String, bytes: Int) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchError("cannot create \(path): errno \(errno)") }
        page = [UInt8](repeating: 0x5A, count: bytes)
        let size = bytes * DiskSync.slots
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw BenchError("cannot size \(path): errno \(errno)") }
        for slot in 0..<DiskSync.slots { try writeAndSync(slot: slot) }
        guard fsync(descriptor) == 0 else { throw BenchError("cannot sync \(path): errno \(errno)") }
    }

    /// An empty file that each ``appendAndSync()`` makes longer.
    init(growingAt path: String, bytes: Int) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchError("cannot create \(path): errno \(errno)") }
        page = [UInt8](repeating: 0x5A, count: bytes)
    }

    func appendAndSync() throws {
        let written = page.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == page.count, fdatasync(descriptor) == 0 else { throw BenchError("append or sync failed: errno \(errno)") }
    }

    func writeAndSync(slot: Int) throws {
        let written = page.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(slot * page.count)) }
        guard written == page.count, fdatasync(descriptor) == 0 else { throw BenchError("write or sync failed: errno \(errno)") }
    }

    func remove() {
        close(descriptor)
        unlink(path)
    }
}

private final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// A pthread barrier: every thread waits until all have arrived.
private final class Barrier: @unchecked Sendable {
    private let barrier = UnsafeMutablePointer<pthread_barrier_t>.allocate(capacity: 1)

    init(parties: Int) { pthread_barrier_init(barrier, nil, UInt32(parties)) }

    deinit {
        pthread_barrier_destroy(barrier)
        barrier.deallocate()
    }

    func wait() { pthread_barrier_wait(barrier) }
}
