import Foundation
import Spawn
import Testing

/// The real `natter up`, twice on one data directory with two runtime
/// directories (ssh without logind, su, cron): the second is refused with its
/// rival's PID, and a kill -9 of the first frees the directory at once.
/// Needs no root and no lab: mDNS is off, so nothing leaves the machine.
@Suite("natter up: one daemon per data directory")
struct OneDaemonPerDataDirectoryTests {
    @Test func aSecondDaemonIsRefusedAndAKilledOneLeavesNoLock() throws {
        let solo = try SoloNatter(prefix: "natter-one-daemon")
        defer { solo.remove() }

        let first = try solo.startDaemon(runtime: solo.base + "/run1")
        defer { first.stop(signal: SIGKILL) }
        #expect(try solo.answers(runtime: solo.base + "/run1"), "the first daemon serves its API")

        let second = try solo.run(["up", "--data-dir", solo.data, "--runtime-dir", solo.base + "/run2"])
        #expect(second.status == 78, "refused, and the user unit will not restart it")
        #expect(second.stderr.contains("already running") && second.stderr.contains("PID \(first.pid)"), "\(second.stderr)")

        first.stop(signal: SIGKILL)
        _ = first.waitForExit()
        let third = try solo.startDaemon(runtime: solo.base + "/run2")
        defer { third.stop(); _ = third.waitForExit() }
        #expect(try solo.answers(runtime: solo.base + "/run2"), "kill -9 left no lock behind")
    }
}
