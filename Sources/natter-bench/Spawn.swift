import Foundation

/// A child process started with `posix_spawn`, with an empty signal mask and
/// default dispositions, and reaped with `waitpid` here. Foundation's
/// `Process` waited forever on this machine (its SIGCHLD-driven reaping
/// never fired), the same trouble LabSupport had.
struct Child {
    let pid: pid_t
    /// The read end of its standard output, when captured.
    let output: Int32?

    static func spawn(_ arguments: [String], captureOutput: Bool = false) throws -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeEnds) == 0 else { throw BenchError("pipe failed") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
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
        if captureOutput { close(pipeEnds[1]) }
        guard result == 0 else { throw BenchError("could not start \(arguments[0]): \(String(cString: strerror(result)))") }
        return Child(pid: pid, output: captureOutput ? pipeEnds[0] : nil)
    }

    /// Waits for it to exit; its exit status.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func stop() {
        kill(pid, SIGTERM)
        wait()
        if let output { close(output) }
    }
}

/// Runs a short command (netlab spawn, which returns at once) and waits for it.
func runToCompletion(_ arguments: [String]) throws {
    let status = try Child.spawn(arguments).wait()
    guard status == 0 else { throw BenchError("\(arguments.joined(separator: " ")) failed with status \(status)") }
}
