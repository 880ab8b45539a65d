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

    /// `natter init` and one shared team on every host, with short presets.
    func setUp() async throws {
        var code: String?
        for host in hosts {
            try await cli(host, ["init", "--name", name(host)])
            let config = dataDirectory(host) + "/config.toml"
            var text = try String(contentsOfFile: config, encoding: .utf8)
            text = text.replacingOccurrences(of: "paused_typing = 5", with: "paused_typing = 1")
                .replacingOccurrences(of: "left_temporarily = 30", with: "left_temporarily = 2")
                .replacingOccurrences(of: "away = 300", with: "away = 4")
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            if let code {
                try await cli(host, ["team", "join", code])
            } else {
                let created = try await cli(host, ["team", "create", "--json"])
                code = try Self.field("code", in: created.stdout)
            }
        }
    }

    /// Starts `natter up` on `host` and waits until its API answers.
    @discardableResult
    func startDaemon(_ host: LabHost) async throws -> LabProcess {
        let process = try await lab.spawn(
            on: host, [natter, "up", "--data-dir", dataDirectory(host), "--log-level", "debug"], environment: env(host))
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
        _ = try await process.waitForExit(timeout: .seconds(15))
    }

    /// Starts `natter watch --json` on `host`.
    func watch(_ host: LabHost) async throws -> EventLog {
        let process = try await lab.spawn(on: host, [natter, "watch", "--json", "--data-dir", dataDirectory(host)], environment: env(host))
        return EventLog(process: process)
    }

    /// Waits until `host` lists `colleague` as online.
    func waitUntilOnline(_ host: LabHost, sees colleague: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let peers = try await cli(host, ["peers", "--json"], expectSuccess: false)
            if peers.stdout.split(separator: "\n").contains(where: { $0.contains("\"name\":\"\(colleague)\"") && $0.contains("\"online\":true") }) {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MessengerLabError("\(host.name) did not see \(colleague) online within \(timeout)")
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
/// daemon, all in one team and online to each other; always tears down.
func withMessengerLab<T: Sendable>(
    _ names: [String], startDaemons: Bool = true, _ body: (MessengerLab) async throws -> T
) async throws -> T {
    try await withLab(hosts: names.count) { lab in
        let messenger = try MessengerLab(lab: lab, names: names)
        defer { try? FileManager.default.removeItem(atPath: messenger.root) }
        try await messenger.setUp()
        if startDaemons {
            for host in lab.hosts { try await messenger.startDaemon(host) }
            for host in lab.hosts {
                for other in names where other != messenger.name(host) {
                    try await messenger.waitUntilOnline(host, sees: other)
                }
            }
        }
        return try await body(messenger)
    }
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
    @discardableResult
    func wait(
        for description: String, timeout: Duration = .seconds(10), until predicate: ([WatchEvent]) -> Bool
    ) async throws -> [WatchEvent] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let all = events()
            if predicate(all) { return all }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw MessengerLabError("timed out after \(timeout) waiting for \(description); watch saw:\n\(process.output().suffix(3000))")
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
