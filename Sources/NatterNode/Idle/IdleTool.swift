import NIOPosix
import NatterCore

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
        SystemTool.find(candidates)
    }

    private static func runBlocking(_ arguments: [String], timeout: Duration) -> String? {
        guard let result = SystemTool.run(arguments, timeout: timeout), result.status == 0 else { return nil }
        return result.output
    }
}
