public import Glibc

/// A child process for tools and tests, started the way a shell starts one.
///
/// Why not Foundation's `Process`: on this platform its children inherit the
/// calling thread's signal mask — under the test runner almost every signal
/// is blocked, so daemons started that way ignored SIGTERM — and its
/// SIGCHLD-driven reaping never fired here, so finished commands stayed
/// zombies and `waitUntilExit()` never returned. This starts children with
/// `posix_spawn`, an empty signal mask and default dispositions, and reaps
/// them with `waitpid` itself.
public struct ChildProcess: Sendable {
    /// Where the child's standard output or error goes.
    public enum Output: Sendable {
        case discard
        /// A file, created or truncated, mode 0600.
        case file(String)
        /// A pipe whose read end is ``ChildProcess/outputPipe``.
        case pipe
    }

    public let pid: pid_t
    /// The read end of standard output when it was started with `.pipe`.
    public let outputPipe: Int32?

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `arguments[0]` (an absolute path) with standard input from /dev/null.
    public static func start(_ arguments: [String], standardOutput: Output = .discard, standardError: Output = .discard) throws(SpawnError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipeEnds: [Int32] = [-1, -1]
        for (descriptor, output) in [(Int32(1), standardOutput), (Int32(2), standardError)] {
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            case .pipe:
                if pipeEnds[0] < 0 {
                    guard pipe(&pipeEnds) == 0 else { throw SpawnError(description: "pipe failed: errno \(errno)") }
                    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
                }
                posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], descriptor)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard result == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw SpawnError(description: "could not start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, outputPipe: pipeEnds[0] >= 0 ? pipeEnds[0] : nil)
    }

    /// Its exit status if it has exited (and reaps it), else nil. Never blocks.
    public func exitStatusIfExited() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return Self.exitStatus(status)
    }

    /// Waits for it to exit and reaps it; its exit status (128 + N when killed by signal N).
    @discardableResult
    public func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Self.exitStatus(status)
    }

    /// Sends `signal` and reaps it.
    public func stop(signal: Int32 = SIGTERM) {
        kill(pid, signal)
        waitForExit()
        if let outputPipe { close(outputPipe) }
    }

    static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
