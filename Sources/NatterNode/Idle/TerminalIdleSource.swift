import Glibc

/// The user's terminals: the last input on any tty device they own, local
/// (`/dev/tty*`) or a pseudo-terminal (`/dev/pts/*`: terminal windows, tmux
/// panes, ssh logins). The kernel updates a tty's access time when input is
/// read from it — what `w` shows as IDLE — at most every 8 seconds (so the
/// exact timing of keystrokes does not leak), which is far finer than the
/// away preset.
///
/// Needs no tool and no bus: a directory listing and a `stat` per device.
/// Always answers; with no terminal of the user's it is silent.
struct TerminalIdleSource: IdleSource {
    let name = "terminals"
    let kind = IdleSourceKind.terminals
    let reportsLocks = false
    /// Whose terminals count: the user the daemon runs as.
    var owner: uid_t = getuid()

    func look() async -> IdleObservation? {
        guard let lastInput = Self.latestAccess(ownedBy: owner) else { return .silent }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let idle = Duration.seconds(now.tv_sec - lastInput.tv_sec) + .nanoseconds(now.tv_nsec - lastInput.tv_nsec)
        return .idle(for: max(.zero, idle))
    }

    /// The newest access time of the character devices named `/dev/pts/N` or
    /// `/dev/ttyX` that `owner` owns; nil when there is none.
    static func latestAccess(ownedBy owner: uid_t) -> timespec? {
        var latest: timespec?
        for path in devices() {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFCHR, info.st_uid == owner else { continue }
            if let current = latest, (current.tv_sec, current.tv_nsec) >= (info.st_atim.tv_sec, info.st_atim.tv_nsec) { continue }
            latest = info.st_atim
        }
        return latest
    }

    /// `/dev/pts/N` and `/dev/ttyX`; not `/dev/tty` (whoever asks's own
    /// terminal, an alias) nor `/dev/pts/ptmx` (the multiplexer).
    private static func devices() -> [String] {
        entries(of: "/dev/pts").filter { $0.allSatisfy(\.isNumber) }.map { "/dev/pts/" + $0 }
            + entries(of: "/dev").filter { $0.hasPrefix("tty") && $0 != "tty" }.map { "/dev/" + $0 }
    }

    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
