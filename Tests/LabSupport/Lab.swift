import Foundation
import Spawn

/// Whether lab tests can run here: they need root for network namespaces.
public enum LabGate {
    /// True when root. Otherwise the lab tests are skipped with a loud message
    /// — except under `CI=true`, where they run anyway and fail, because a CI
    /// run that silently skips the integration tests proves nothing.
    public static let isAvailable: Bool = {
        if getuid() == 0 { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            FileHandle.standardError.write(Data("LAB TESTS NEED ROOT: running them anyway under CI=true, where they will fail\n".utf8))
            return true
        }
        FileHandle.standardError.write(Data("""

            ************************************************************
            SKIPPED: the lab tests need root (network namespaces).
            Run them with: sudo make test
            ************************************************************

            """.utf8))
        return false
    }()
}

/// Paths of the package's pieces, found from this source file and the running test bundle.
public enum LabPaths {
    /// The package root (two levels above Tests/LabSupport).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    public static var netlab: String { packageRoot + "/Tests/lab/netlab" }

    /// A built executable next to the running test bundle, e.g. `.build/debug/natter`.
    public static func product(_ name: String) -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The bundle may be a directory (…/natterPackageTests.xctest/…) or a file.
        while directory.path != "/" && directory.lastPathComponent.hasSuffix(".xctest") == false
            && !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path)
        {
            directory.deleteLastPathComponent()
        }
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent(name).path
    }
}

public struct LabHost: Sendable, Hashable {
    public let name: String
    /// IPv4, or in an ``LabNetwork/ipv6LinkLocal`` lab the link-local IPv6 address (without its interface).
    public let address: String
    /// The link-local IPv6 address in an IPv6 or dual-stack lab (reached through `eth0`).
    public var linkLocal: String? = nil
}

/// The address families of a lab's LAN (`netlab create --ipv6 | --dual`).
public enum LabNetwork: Sendable {
    /// IPv4 only (10.231.0.0/24); avahi-daemon on IPv4.
    case ipv4
    /// IPv6 link-local addresses only (fe80::231:K), no IPv4 on the LAN;
    /// avahi-daemon with use-ipv4=no, use-ipv6=yes.
    case ipv6LinkLocal
    /// IPv4, IPv6 link-local and unique-local (fd00:231::K); avahi-daemon on both.
    case dualStack

    var createOptions: [String] {
        switch self {
        case .ipv4: []
        case .ipv6LinkLocal: ["--ipv6"]
        case .dualStack: ["--dual"]
        }
    }
}

public struct LabResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum AvahiAction: String, Sendable { case stop, start, restart }

public struct LabError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A running `tcpdump` on a lab host, writing a pcap file.
public struct LabCapture: Sendable {
    public let host: LabHost
    public let path: String
}

/// A lab of hosts built by `Tests/lab/netlab`. Destroy it when done (``withLab`` does).
public final class Lab: Sendable {
    public let name: String
    public let hosts: [LabHost]
    /// The router host `r` of a router lab (nil otherwise): a leg in each
    /// subnet (10.231.1.1 and 10.231.2.1), its own avahi-daemon on both, no
    /// mDNS reflector — where the forwarder tests put the forwarder.
    public let router: LabHost?

    init(name: String, hosts: [LabHost], router: LabHost? = nil) {
        self.name = name
        self.hosts = hosts
        self.router = router
    }

    /// Builds a lab of `hosts` hosts (`router`: two subnets joined by a router host `r`;
    /// `network`: the LAN's address families, one LAN only).
    public static func create(hosts count: Int, router: Bool = false, network: LabNetwork = .ipv4) async throws -> Lab {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let name = "l" + String((0..<5).map { _ in alphabet.randomElement()! })
        let created = try await runCommand(
            [LabPaths.netlab, "create", name, String(count)] + (router ? ["--router"] : []) + network.createOptions, timeout: .seconds(120))
        guard created.status == 0 else {
            _ = try? await runCommand([LabPaths.netlab, "destroy", name], timeout: .seconds(60))
            throw LabError("netlab create failed: \(created.stderr)")
        }
        var hosts: [LabHost] = []
        for index in 1...count {
            let address = try await runCommand([LabPaths.netlab, "ip", name, "h\(index)"], timeout: .seconds(10))
            var host = LabHost(name: "h\(index)", address: address.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            if network != .ipv4 {
                let linkLocal = try await runCommand([LabPaths.netlab, "ip6", name, "h\(index)"], timeout: .seconds(10))
                host.linkLocal = linkLocal.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            hosts.append(host)
        }
        var routerHost: LabHost?
        if router {
            let address = try await runCommand([LabPaths.netlab, "ip", name, "r"], timeout: .seconds(10))
            routerHost = LabHost(name: "r", address: address.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return Lab(name: name, hosts: hosts, router: routerHost)
    }

    /// The router's address on `host`'s subnet: what a host there dials to reach the router itself.
    public func routerAddress(facing host: LabHost) -> String {
        host.address.split(separator: ".").prefix(3).joined(separator: ".") + ".1"
    }

    /// Router labs: `r` drops forwarded traffic between the two subnets; traffic
    /// to and from `r` itself still flows (hosts reach a forwarder on `r`, nothing else across).
    public func blockRoute() async throws {
        try await netlab(["route", name, "block"], "netlab route block")
    }

    /// Undoes ``blockRoute()``.
    public func openRoute() async throws {
        try await netlab(["route", name, "open"], "netlab route open")
    }

    /// Starts `tcpdump -i any` on `host` into the pcap file `path`; returns once
    /// it listens, so whatever is sent afterwards is in the file. The lab kills
    /// it at teardown if ``stopCapture(_:)`` is not called.
    public func startCapture(on host: LabHost, to path: String) async throws -> LabCapture {
        try await netlab(["capture", name, host.name, path, "start"], "netlab capture start")
        return LabCapture(host: host, path: path)
    }

    /// Stops the capture (by its PID) and so completes its file.
    public func stopCapture(_ capture: LabCapture) async throws {
        try await netlab(["capture", name, capture.host.name, capture.path, "stop"], "netlab capture stop")
    }

    /// Runs a command on `host` and waits for it (bounded by `timeout`).
    public func run(on host: LabHost, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(30)) async throws -> LabResult {
        try await runCommand([LabPaths.netlab, "exec", name, host.name] + envArguments(environment) + ["--"] + arguments, timeout: timeout)
    }

    /// Starts a command on `host` in the background; the lab kills it at teardown.
    public func spawn(on host: LabHost, _ arguments: [String], environment: [String: String] = [:]) async throws -> LabProcess {
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let log = logDirectory + "/\(host.name)-\(UUID().uuidString.prefix(8)).log"
        let result = try await runCommand(
            [LabPaths.netlab, "spawn", name, host.name, log] + envArguments(environment) + ["--"] + arguments, timeout: .seconds(10))
        guard result.status == 0, let pid = Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LabError("netlab spawn failed: \(result.stderr)")
        }
        return LabProcess(pid: pid, logPath: log)
    }

    /// Loss, delay, jitter and reorder on `host`'s link (netem emulated: nftables drops, an NFQUEUE delayer).
    public func impair(_ host: LabHost, loss: Int = 0, delayMilliseconds: Int = 0, jitterMilliseconds: Int = 0, reorder: Int = 0, duplicate: Int = 0) async throws {
        let result = try await runCommand(
            [LabPaths.netlab, "impair", name, host.name, "--loss", "\(loss)", "--delay", "\(delayMilliseconds)",
             "--jitter", "\(jitterMilliseconds)", "--reorder", "\(reorder)", "--duplicate", "\(duplicate)"], timeout: .seconds(30))
        guard result.status == 0 else { throw LabError("netlab impair failed: \(result.stderr)") }
    }

    public func clearImpairment(_ host: LabHost) async throws {
        _ = try await runCommand([LabPaths.netlab, "impair", name, host.name, "--clear"], timeout: .seconds(30))
    }

    /// A firewall between hosts (`netlab block`): drops `proto` ("tcp",
    /// "udp") to `host`'s `port` at its bridge port, or all of it both ways
    /// when `port` is nil. One block per host; ``unblock(_:)`` removes it.
    public func block(_ host: LabHost, _ proto: String, port: Int?) async throws {
        try await netlab(["block", name, host.name, proto, port.map(String.init) ?? "all"], "netlab block")
    }

    public func unblock(_ host: LabHost) async throws {
        try await netlab(["block", name, host.name, "--clear"], "netlab block --clear")
    }

    public func avahi(on host: LabHost, _ action: AvahiAction) async throws {
        try await netlab(["avahi", name, host.name, action.rawValue], "netlab avahi \(action)")
    }

    /// Adds (`add`) or deletes (`del`) `cidr` (e.g. "10.231.0.22/24") on
    /// `host`'s interface: with a `del` of the old, the host's address moves.
    public func address(_ action: String, _ cidr: String, on host: LabHost) async throws {
        try await netlab(["addr", name, host.name, action, cidr], "netlab addr \(action)")
    }

    /// Takes `host`'s interface down (a cable pulled) or brings it up again.
    public func setInterface(of host: LabHost, up: Bool) async throws {
        try await netlab(["link", name, host.name, up ? "up" : "down"], "netlab link")
    }

    /// Makes `uid` a user of `host` (in the host's own view of /etc/passwd,
    /// never the machine's): a second user on one machine, run with
    /// `setpriv --reuid=UID --regid=UID --clear-groups`.
    public func addUser(_ uid: Int, on host: LabHost) async throws {
        try await netlab(["user", name, host.name, String(uid)], "netlab user")
    }

    /// Gives `host` a second interface on LAN `net` (3-9: 10.231.NET.0/24,
    /// its own bridge) and returns its address there; the host's Avahi is
    /// restarted to use it (`netlab attach`).
    public func attach(_ host: LabHost, toNet net: Int) async throws -> String {
        try await netlab(["attach", name, host.name, String(net)], "netlab attach")
        return "10.231.\(net).\(Int(host.name.dropFirst())! + 10)"
    }

    /// A private per-host directory, usable as `XDG_RUNTIME_DIR`.
    public func runtimeDirectory(of host: LabHost) -> String { "/run/natter-lab/\(name)/\(host.name)/run" }

    /// Where the output of every process started by ``spawn(on:_:environment:)``
    /// goes: kept after a test that threw, for reading, and removed by
    /// ``withLab(hosts:router:_:)`` after one that did not, so runs do not
    /// pile thousands of logs into /tmp.
    public var logDirectory: String { NSTemporaryDirectory() + "natter-lab-\(name)" }

    /// Kills every process the lab started, removes its namespaces. Idempotent.
    public func destroy() async {
        _ = try? await runCommand([LabPaths.netlab, "destroy", name], timeout: .seconds(60))
    }

    private func netlab(_ arguments: [String], _ what: String) async throws {
        let result = try await runCommand([LabPaths.netlab] + arguments, timeout: .seconds(30))
        guard result.status == 0 else { throw LabError("\(what) failed: \(result.stderr)") }
    }

    private func envArguments(_ environment: [String: String]) -> [String] {
        environment.sorted { $0.key < $1.key }.flatMap { ["--env", "\($0.key)=\($0.value)"] }
    }
}

/// Runs `body` with a fresh lab and destroys it afterwards, also when `body` throws.
public func withLab<T: Sendable>(hosts: Int, router: Bool = false, network: LabNetwork = .ipv4, _ body: (Lab) async throws -> T) async throws -> T {
    let lab = try await Lab.create(hosts: hosts, router: router, network: network)
    do {
        let result = try await body(lab)
        await lab.destroy()
        try? FileManager.default.removeItem(atPath: lab.logDirectory)
        return result
    } catch {
        await lab.destroy()
        throw error
    }
}

/// A background process on a lab host, its output in a log file.
public final class LabProcess: Sendable {
    public let pid: Int32
    public let logPath: String

    init(pid: Int32, logPath: String) {
        self.pid = pid
        self.logPath = logPath
    }

    /// Everything it printed so far.
    public func output() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Waits until a line containing `text` appears; throws quoting the log's tail.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration) async throws -> String {
        var line = ""
        try await waitUntil("a line containing \"\(text)\"", timeout: timeout, detail: { "the log ends with:\n\(self.output().suffix(2000))" }) {
            line = output().split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
            return !line.isEmpty
        }
        return line
    }

    public func signal(_ number: Int32) {
        kill(pid, number)
    }

    public var isRunning: Bool { kill(pid, 0) == 0 && !isZombie }

    private var isZombie: Bool {
        ((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first) == "Z"
    }

    /// Waits until the process has exited (bounded).
    public func waitForExit(timeout: Duration) async throws {
        try await waitUntil("process \(pid) to exit", timeout: timeout) { !isRunning }
    }
}

/// Polls `condition` every `interval` until it holds or `timeout` passes, and
/// says whether it held: real daemons on real sockets need real time, and a
/// deadline instead of a fixed sleep keeps the tests both fast and patient.
public func poll(every interval: Duration = .milliseconds(20), for timeout: Duration, until condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// ``poll(every:for:until:)``, throwing when the condition never held: the
/// error names what was awaited and adds `detail` (a log's tail, a screen).
public func waitUntil(
    _ description: String, timeout: Duration, every interval: Duration = .milliseconds(20),
    detail: () async -> String = { "" }, _ condition: () async throws -> Bool
) async throws {
    guard try await poll(every: interval, for: timeout, until: condition) else {
        let more = await detail()
        throw LabError("timed out after \(timeout) waiting for \(description)" + (more.isEmpty ? "" : "; " + more))
    }
}

/// Runs a command in the default namespace (only netlab itself), output to
/// temporary files, bounded by `timeout`. Spawned through ``ChildProcess``,
/// not Foundation's `Process` (see there for why).
public func runCommand(_ arguments: [String], timeout: Duration) async throws -> LabResult {
    let base = NSTemporaryDirectory() + "natter-lab-run-\(UUID().uuidString)"
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let child = try ChildProcess.start(arguments, standardOutput: .file(base + ".out"), standardError: .file(base + ".err"))
    var status: Int32?
    guard try await poll(every: .milliseconds(10), for: timeout, until: { status = child.exitStatusIfExited(); return status != nil }) else {
        child.stop(signal: SIGKILL)
        throw LabError("\(arguments.joined(separator: " ")) did not finish within \(timeout)")
    }
    let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    return LabResult(status: status ?? 0, stdout: stdout, stderr: stderr)
}
