import Glibc
import NIOPosix
import NatterCore
import Spawn

/// Runs one of the system's own tools (`busctl`, `xprintidle`) for an idle
/// source and returns what it printed, or nil when it could not start,
/// failed, or took longer than ``NodeConstants/idleToolTimeout`` (then it is
/// killed). The blocking wait happens on SwiftNIO's thread pool, never on the
/// daemon's actor or the concurrency pool.
enum IdleTool {
    static func output(of arguments: [String], timeout: Duration = NodeConstants.idleToolTimeout) async -> String? {
        try? await NIOThreadPool.singleton.runIfActive { runBlocking(arguments, timeout: timeout) }
    }

    /// The first path in `candidates` that exists and is executable.
    static func find(_ candidates: [String]) -> String? {
        candidates.first { access($0, X_OK) == 0 }
    }

    private static func runBlocking(_ arguments: [String], timeout: Duration) -> String? {
        guard let child = try? ChildProcess.start(arguments, standardOutput: .pipe), let pipe = child.outputPipe else { return nil }
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        reading: while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break reading }
            var descriptor = pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(clamping: max(1, left.wholeMilliseconds)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break reading }
            let count = read(pipe, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                // End of output: the tool is exiting; give it until the deadline.
                while ContinuousClock.now < deadline {
                    if let status = child.exitStatusIfExited() {
                        close(pipe)
                        return status == 0 ? String(decoding: bytes, as: UTF8.self) : nil
                    }
                    usleep(1000)
                }
                break reading
            }
            bytes += buffer[0..<count]
        }
        child.stop(signal: SIGKILL)
        return nil
    }
}
