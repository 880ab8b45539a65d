import Foundation
import LabSupport
import Spawn

/// The real `natter` binary on one data directory in a temporary folder,
/// initialised with a team and mDNS off: nothing leaves the machine, so these
/// tests need no root and no lab.
struct SoloNatter {
    let natter = LabPaths.product("natter")
    let base: String
    var data: String { base + "/data" }
    var store: String { data + "/messages.sqlite" }

    init(prefix: String) throws {
        base = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        for command in [["init", "--name", "Solo"], ["team", "create"]] {
            let result = try run(command + ["--data-dir", data])
            guard result.status == 0 else { throw SetupFailed(command: command, stderr: result.stderr) }
        }
        let config = data + "/config.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "mdns = true", with: "mdns = false")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    /// Runs a `natter` command to its end: its exit status and standard error.
    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let errors = base + "/stderr-\(UUID().uuidString.prefix(6))"
        let child = try ChildProcess.start(["/bin/sh", "-c", "exec \"$0\" \"$@\" 2>\"\(errors)\" >/dev/null", natter] + arguments)
        let status = child.waitForExit()
        return (status, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    func startDaemon(runtime: String) throws -> ChildProcess {
        try ChildProcess.start([natter, "up", "--data-dir", data, "--runtime-dir", runtime])
    }

    /// Whether the daemon's API answers `natter status` within 10 s.
    func answers(runtime: String) throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try run(["status", "--data-dir", data, "--runtime-dir", runtime]).status == 0 { return true }
            usleep(50_000)
        }
        return false
    }
}

struct SetupFailed: Error {
    let command: [String]
    let stderr: String
}
