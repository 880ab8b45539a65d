import Foundation

/// One daemon per data directory. Two daemons on the same identity, pins and
/// store fight over every link (each colleague's duplicate-link rule closes
/// one of them, again and again). The API socket cannot prevent it: it lives
/// in the runtime directory, which differs between an ssh session without
/// logind, `su`, cron and `--runtime-dir`. So the daemon holds an exclusive
/// `flock` on `natter.lock` in the data directory for as long as it runs; the
/// kernel drops it when the process ends, however it ends (kill -9 included),
/// so there is never a stale lock to clean up.
public final class DataDirectoryLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock, or throws naming the daemon that holds it.
    public init(directory: String) throws(DataDirectoryLockError) {
        path = directory + "/natter.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unusable(path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPID(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw .alreadyRunning(path, pid: holder) }
            throw .unusable(path, reason: String(cString: strerror(code)))
        }
        // Who holds it, for the next daemon's error message (and for people).
        let pid = Array("\(getpid())\n".utf8)
        ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Why the daemon may not use the data directory.
public enum DataDirectoryLockError: Error, CustomStringConvertible, Equatable {
    case alreadyRunning(String, pid: Int32?)
    case unusable(String, reason: String)

    public var description: String {
        switch self {
        case .alreadyRunning(let path, let pid):
            let who = pid.map { "PID \($0)" } ?? "another process"
            return "natter is already running on this data directory (\(who) holds \(path)); "
                + "stop it first (systemctl --user stop natter\(pid.map { ", or kill \($0)" } ?? "")) — two daemons on one identity fight over every link"
        case .unusable(let path, let reason):
            return "cannot lock \(path): \(reason); check that the data directory is yours and writable"
        }
    }
}
