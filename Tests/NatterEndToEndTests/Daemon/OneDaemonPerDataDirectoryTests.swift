import Foundation
import LabSupport
import Spawn
import Testing

/// The real `natter up`, twice on one data directory with two runtime
/// directories (ssh without logind, su, cron): the second is refused with its
/// rival's PID, and a kill -9 of the first frees the directory at once.
/// Needs no root and no lab: mDNS is off, so nothing leaves the machine.
@Suite("natter up: one daemon per data directory")
struct OneDaemonPerDataDirectoryTests {
    let natter = LabPaths.product("natter")
    let base = NSTemporaryDirectory() + "natter-one-daemon-\(UUID().uuidString.prefix(8))"

    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let errors = base + "/stderr-\(UUID().uuidString.prefix(6))"
        let child = try ChildProcess.start(["/bin/sh", "-c", "exec \"$0\" \"$@\" 2>\"\(errors)\" >/dev/null", natter] + arguments)
        let status = child.waitForExit()
        return (status, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    func startDaemon(runtime: String) throws -> ChildProcess {
        try ChildProcess.start([natter, "up", "--data-dir", base + "/data", "--runtime-dir", runtime])
    }

    func answers(runtime: String) throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try run(["status", "--data-dir", base + "/data", "--runtime-dir", runtime]).status == 0 { return true }
            usleep(50_000)
        }
        return false
    }

    @Test func aSecondDaemonIsRefusedAndAKilledOneLeavesNoLock() throws {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(try run(["init", "--name", "Solo", "--data-dir", base + "/data"]).status == 0)
        #expect(try run(["team", "create", "--data-dir", base + "/data"]).status == 0)
        let config = base + "/data/config.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "mdns = true", with: "mdns = false")
        try text.write(toFile: config, atomically: true, encoding: .utf8)

        let first = try startDaemon(runtime: base + "/run1")
        defer { first.stop(signal: SIGKILL) }
        #expect(try answers(runtime: base + "/run1"), "the first daemon serves its API")

        let second = try run(["up", "--data-dir", base + "/data", "--runtime-dir", base + "/run2"])
        #expect(second.status == 78, "refused, and the user unit will not restart it")
        #expect(second.stderr.contains("already running") && second.stderr.contains("PID \(first.pid)"), "\(second.stderr)")

        first.stop(signal: SIGKILL)
        _ = first.waitForExit()
        let third = try startDaemon(runtime: base + "/run2")
        defer { third.stop(); _ = third.waitForExit() }
        #expect(try answers(runtime: base + "/run2"), "kill -9 left no lock behind")
    }
}
