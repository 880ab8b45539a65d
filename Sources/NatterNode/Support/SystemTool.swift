import Glibc
import NatterCore
import Spawn

/// Runs one of the system's tools and collects what it printed, blocking the
/// calling thread (the idle sources call it on SwiftNIO's thread pool, `natter
/// doctor` from its own command). A tool that outlives `timeout` is killed.
public enum SystemTool {
    public struct Result: Sendable, Equatable {
        /// The exit status (128 + N when killed by signal N).
        public var status: Int32
        /// Standard output, and standard error too when asked for.
        public var output: String
    }

    /// The first path in `candidates` that exists and is executable.
    public static func find(_ candidates: [String]) -> String? {
        candidates.first { access($0, X_OK) == 0 }
    }

    /// nil when it could not start or did not finish within `timeout`.
    public static func run(_ arguments: [String], timeout: Duration, includeErrors: Bool = false) -> Result? {
        guard let child = try? ChildProcess.start(arguments, standardOutput: .pipe, standardError: includeErrors ? .pipe : .discard),
            let pipe = child.outputPipe
        else { return nil }
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
                        return Result(status: status, output: String(decoding: bytes, as: UTF8.self))
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
