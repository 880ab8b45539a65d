import Foundation
import LabSupport
import Synchronization
import Testing

/// natter daemons on lab hosts, driven through the real `natter` binary, the way
/// a user or script would: `natter init`, `natter team join`, `natter up`,
/// `natter send`, `natter watch --json`, and `natter chat` in tmux.
///
/// Session-state presets are shortened (paused 1 s, left 2 s, away 4 s) so the
/// timers can be observed without slowing the suite; the engine's unit tests
/// cover the default presets to the tenth of a second.
final class MessengerLab: Sendable {
    let lab: Lab
    let natter = LabPaths.product("natter")
    let root: String
    let names: [String]
    private let daemons = Mutex<[String: LabProcess]>([:])
    /// The team codes `setUp` made, by team number.
    let teamCodes = Mutex<[Int: String]>([:])

    var hosts: [LabHost] { lab.hosts }

    init(lab: Lab, names: [String]) throws {
        self.lab = lab
        self.names = names
        root = "/tmp/natter-e2e-\(lab.name)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func dataDirectory(_ host: LabHost) -> String { "\(root)/\(host.name)/data" }
    func name(_ host: LabHost) -> String { names[hosts.firstIndex(of: host)!] }

    var environment: [String: String] { [:] }

    func env(_ host: LabHost) -> [String: String] {
        ["XDG_RUNTIME_DIR": lab.runtimeDirectory(of: host), "HOME": "\(root)/\(host.name)"]
    }

    /// Runs `natter ARGS --data-dir …` on `host` and returns what it printed.
    @discardableResult
    func cli(_ host: LabHost, _ arguments: [String], expectSuccess: Bool = true, timeout: Duration = .seconds(30)) async throws -> LabResult {
        let result = try await lab.run(on: host, [natter] + arguments + ["--data-dir", dataDirectory(host)], environment: env(host), timeout: timeout)
        if expectSuccess && result.status != 0 {
            throw MessengerLabError("natter \(arguments.joined(separator: " ")) on \(host.name) failed (\(result.status)): \(result.stderr)")
        }
        return result
    }

    /// `natter init` on every host, with short presets, and a team per host:
    /// hosts with the same number in `teams` share a team (all one team by default).
    func setUp(teams: [Int]? = nil) async throws {
        var codes: [Int: String] = [:]
        for (index, host) in hosts.enumerated() {
            let team = teams?[index] ?? 0
            try await cli(host, ["init", "--name", name(host)])
            let config = dataDirectory(host) + "/config.toml"
            var text = try String(contentsOfFile: config, encoding: .utf8)
            text = text.replacingOccurrences(of: "paused_typing = 5", with: "paused_typing = 1")
                .replacingOccurrences(of: "left_temporarily = 30", with: "left_temporarily = 2")
                .replacingOccurrences(of: "away = 300", with: "away = 4")
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            if let code = codes[team] {
                try await cli(host, ["team", "join", code])
            } else {
                let created = try await cli(host, ["team", "create", "--json"])
                codes[team] = try Self.field("code", in: created.stdout)
                teamCodes.withLock { $0[team] = codes[team] }
            }
        }
    }

    /// Starts `natter up` on `host` (with `environment` added to its own) and waits until its API answers.
    @discardableResult
    func startDaemon(_ host: LabHost, environment: [String: String] = [:]) async throws -> LabProcess {
        let process = try await lab.spawn(
            on: host, [natter, "up", "--data-dir", dataDirectory(host), "--log-level", "debug"],
            environment: env(host).merging(environment) { _, added in added })
        try await process.waitForLine(containing: "local API listening", timeout: .seconds(20))
        daemons.withLock { $0[host.name] = process }
        return process
    }

    /// The daemon started last on `host`.
    func daemon(_ host: LabHost) -> LabProcess? { daemons.withLock { $0[host.name] } }

    /// Stops `host`'s daemon with `signal` (SIGTERM: graceful; SIGKILL: a crash) and waits for it to exit.
    func stopDaemon(_ host: LabHost, signal: Int32 = SIGTERM) async throws {
        guard let process = daemon(host) else { return }
        process.signal(signal)
        try await process.waitForExit(timeout: .seconds(15))
    }

    /// Starts `natter watch --json` on `host`.
    /// Starts `natter watch --json` on `host` and waits until the daemon has
    /// opened its event stream (its debug log says so): an event made right
    /// after this returns is one the watch sees.
    func watch(_ host: LabHost) async throws -> EventLog {
        let marker = "event stream opened"
        let opened = { [self] in daemon(host)?.output().components(separatedBy: marker).count ?? 0 }
        let before = opened()
        let process = try await lab.spawn(on: host, [natter, "watch", "--json", "--data-dir", dataDirectory(host)], environment: env(host))
        if daemon(host) != nil {
            try await waitUntil("\(host.name)'s watch to subscribe", timeout: .seconds(10)) { opened() > before }
        }
        return EventLog(process: process)
    }

    /// The colleagues `host` lists (`natter peers --json`).
    func peers(of host: LabHost) async throws -> [PeerLine] {
        let output = try await cli(host, ["peers", "--json"], expectSuccess: false).stdout
        return output.split(separator: "\n").compactMap { try? JSONDecoder().decode(PeerLine.self, from: Data($0.utf8)) }
    }

    /// Waits until `host` lists every one of `colleagues` as online.
    func waitUntilOnline(_ host: LabHost, sees colleagues: [String], timeout: Duration = .seconds(20)) async throws {
        var online: Set<String> = []
        try await waitUntil("\(host.name) to see \(colleagues.sorted()) online", timeout: timeout, every: .milliseconds(100),
            detail: { "missing: \(Set(colleagues).subtracting(online).sorted())" }) {
            online = Set(try await peers(of: host).filter(\.online).map(\.name))
            return online.isSuperset(of: colleagues)
        }
    }

    func waitUntilOnline(_ host: LabHost, sees colleague: String, timeout: Duration = .seconds(20)) async throws {
        try await waitUntilOnline(host, sees: [colleague], timeout: timeout)
    }

    /// Sets `host`'s away preset in its config file (before its daemon starts).
    func setAwayPreset(_ host: LabHost, seconds: Int) throws {
        let path = dataDirectory(host) + "/config.toml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard text.contains("away = 4") else { throw MessengerLabError("no \"away = 4\" in \(path)") }
        try text.replacingOccurrences(of: "away = 4", with: "away = \(seconds)").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Rewrites `host`'s `[network]` settings in its config file (before its daemon starts).
    func setNetwork(_ host: LabHost, tcpPort: Int? = nil, staticPeers: [String]? = nil, forwarders: [String]? = nil) async throws {
        let path = dataDirectory(host) + "/config.toml"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        for index in lines.indices {
            if let tcpPort, lines[index].hasPrefix("tcp_port =") { lines[index] = "tcp_port = \(tcpPort)" }
            if let staticPeers, lines[index].hasPrefix("static_peers =") { lines[index] = "static_peers = " + list(staticPeers) }
            if let forwarders, lines[index].hasPrefix("forwarders =") { lines[index] = "forwarders = " + list(forwarders) }
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func field(_ name: String, in json: String) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let value = object[name] as? String
        else { throw MessengerLabError("no \"\(name)\" in \(json)") }
        return value
    }

    func destroy() async {
        await lab.destroy()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Runs `body` with a messenger lab of `names.count` hosts, each with a running
/// daemon, in one team (or the `teams` given, one number per host), every host
/// online to each of its team mates; always tears down. With `router`, the
/// first half of the hosts is on subnet 1, the rest on subnet 2, joined by
/// the router host; `network` picks the LAN's address families (IPv6
/// link-local only, dual-stack); `beforeStart` runs after setup, before the daemons start.
func withMessengerLab<T: Sendable>(
    _ names: [String], teams: [Int]? = nil, router: Bool = false, network: LabNetwork = .ipv4, startDaemons: Bool = true,
    onlineTimeout: Duration = .seconds(20),
    beforeStart: (MessengerLab) async throws -> Void = { _ in },
    _ body: (MessengerLab) async throws -> T
) async throws -> T {
    try await withLab(hosts: names.count, router: router, network: network) { lab in
        let messenger = try MessengerLab(lab: lab, names: names)
        defer { try? FileManager.default.removeItem(atPath: messenger.root) }
        try await messenger.setUp(teams: teams)
        try await beforeStart(messenger)
        if startDaemons {
            for host in lab.hosts { try await messenger.startDaemon(host) }
            for (index, host) in lab.hosts.enumerated() {
                let mates = names.indices.filter { $0 != index && (teams?[$0] ?? 0) == (teams?[index] ?? 0) }.map { names[$0] }
                try await messenger.waitUntilOnline(host, sees: mates, timeout: onlineTimeout)
            }
        }
        return try await body(messenger)
    }
}

/// One line of `natter peers --json`.
struct PeerLine: Decodable, Sendable {
    let name: String
    let online: Bool
    let status: String?
    let fingerprint: String
    /// "direct" or "relayed" while online.
    let link: String?
}

/// One line of `natter watch --json` (the fields the tests look at).
struct WatchEvent: Decodable, Sendable {
    let type: String
    let state: String?
    let text: String?
    let direction: String?
    let id: String?
    let name: String?
    let online: Bool?
}

/// The JSON lines of a `natter watch --json`, parsed.
struct EventLog: Sendable {
    let process: LabProcess

    /// Every event so far.
    func events() -> [WatchEvent] {
        let decoder = JSONDecoder()
        return process.output().split(separator: "\n").compactMap { try? decoder.decode(WatchEvent.self, from: Data($0.utf8)) }
    }

    func states() -> [String] { events().filter { $0.type == "state" }.compactMap(\.state) }

    func incomingMessages() -> [WatchEvent] { events().filter { $0.type == "message" && $0.direction == "incoming" } }

    /// Waits until `predicate` holds for the events so far.
    func wait(for description: String, timeout: Duration = .seconds(10), until predicate: ([WatchEvent]) -> Bool) async throws {
        try await waitUntil(description, timeout: timeout, detail: { "watch saw:\n\(process.output().suffix(3000))" }) {
            predicate(events())
        }
    }

    /// Performs `action`, then waits for the colleague's shown state to become
    /// `state` — counting only events after the action began, so a state that
    /// arrives faster than the action returns is still seen.
    func expectState(_ state: String, timeout: Duration = .seconds(10), after action: () async throws -> Void) async throws {
        let mark = states().count
        try await action()
        try await waitForState(state, after: mark, timeout: timeout)
    }

    /// Waits for the colleague's shown state to become `state`, ignoring the first `count` state events.
    func waitForState(_ state: String, after count: Int = 0, timeout: Duration = .seconds(10)) async throws {
        try await wait(for: "state \(state)", timeout: timeout) { _ in states().dropFirst(count).contains(state) }
    }
}

struct MessengerLabError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
