import Foundation
import LabSupport
import Testing

/// Group conversations and "to everyone" between real daemons on four lab
/// hosts (issue 18), in one shared lab to keep CI time down: Alice, Bob and
/// Carol in #Lunch, Dave outside it.
@Suite("Groups end to end", .enabled(if: LabGate.isAvailable), .serialized)
struct GroupLabTests {
    @Test func lunchOnFourHosts() async throws {
        try await withMessengerLab(["Alice", "Bob", "Carol", "Dave"]) { lab in
            let (alice, bob, carol, dave) = (lab.hosts[0], lab.hosts[1], lab.hosts[2], lab.hosts[3])
            let aliceWatch = try await lab.watch(alice)
            let bobWatch = try await lab.watch(bob), carolWatch = try await lab.watch(carol), daveWatch = try await lab.watch(dave)
            try await lab.cli(alice, ["group", "create", "#Lunch", "Bob", "Carol"])
            for watch in [bobWatch, carolWatch] {
                try await watch.wait(for: "the group") { _ in watch.groupEvents().contains { $0.type == "group" && $0.name == "Lunch" } }
            }

            // A real chat window on Alice's host: typing, reading, closing.
            try await ChatPane.with(on: alice, of: lab, peer: "#Lunch") { chat in
                try await chat.type("who's in")
                for watch in [bobWatch, carolWatch] {
                    try await watch.wait(for: "Alice is typing…") { _ in watch.groupStateTexts().contains("Alice is typing…") }
                }
                try await chat.press("Enter")
                try await bobWatch.wait(for: "Alice's message") { _ in bobWatch.groupTexts().contains("who's in") }
                // Bob opens the group with Alice's message unread.
                try await ChatPane.with(on: bob, of: lab, peer: "#Lunch") { bobChat in
                    try await bobChat.waitForScreen(containing: "who's in")
                    // (The lab's away preset is 4 s, so Bob, idle since his daemon
                    // started, may show as away right after: any order of events counts.)
                    for watch in [aliceWatch, carolWatch] {
                        try await watch.wait(for: "Bob is reading") { _ in watch.groupStateTexts().contains { $0.hasPrefix("Bob is reading") } }
                    }
                    try await chat.press("C-c")
                    try await bobChat.waitForScreen(containing: "Alice closed the conversation")
                    try await carolWatch.wait(for: "Alice closed") { _ in carolWatch.groupStateTexts().contains("Alice closed the conversation") }
                }
            }

            // Each message once at each member, the same order everywhere, nothing at Dave.
            try await lab.postNumbered(5, from: [alice, bob], prefix: "x")
            let histories = try await [alice, bob, carol].asyncMap { host in
                try await lab.waitForGroupHistory(host, containing: ["xAlice5", "xBob5"])
            }
            let ids = histories.map { $0.map(\.id) }
            #expect(ids[0] == ids[1] && ids[1] == ids[2], "the same order in every member's history")
            for history in histories {
                let texts = history.compactMap(\.text).filter { $0.hasPrefix("x") }
                #expect(texts.count == 10, "each once: \(texts)")
                #expect(texts.filter { $0.hasPrefix("xAlice") } == (1...5).map { "xAlice\($0)" })
            }
            #expect(daveWatch.groupEvents().isEmpty, "Dave is not a member")
            #expect(try await lab.cli(dave, ["group", "list", "--json"]).stdout.isEmpty)

            // Carol offline while Alice and Bob post 50: she gets all, once, in each sender's order.
            try await lab.stopDaemon(carol)
            try await lab.postNumbered(25, from: [alice, bob], prefix: "o")
            try await lab.startDaemon(carol)
            let carolWatchAgain = try await lab.watch(carol)  // the first one ended with her daemon
            let carolsHistory = try await lab.waitForGroupHistory(carol, containing: ["oAlice25", "oBob25"], timeout: .seconds(60))
            let offline = carolsHistory.compactMap(\.text).filter { $0.hasPrefix("o") }
            #expect(offline.count == 50, "all 50 exactly once")
            #expect(offline.filter { $0.hasPrefix("oAlice") } == (1...25).map { "oAlice\($0)" })
            #expect(offline.filter { $0.hasPrefix("oBob") } == (1...25).map { "oBob\($0)" })

            // 20 % loss on Bob's bridge port: still exactly once everywhere.
            try await lab.lab.impair(bob, loss: 20)
            try await lab.postNumbered(10, from: [alice, carol], prefix: "l")
            for host in [alice, bob, carol] {
                let texts = try await lab.waitForGroupHistory(host, containing: ["lAlice10", "lCarol10"], timeout: .seconds(90))
                    .compactMap(\.text).filter { $0.hasPrefix("l") }
                #expect(texts.count == 20 && Set(texts).count == 20, "\(host.name): each lossy message once: \(texts)")
            }
            try await lab.lab.clearImpairment(bob)

            // Remove Carol: she gets the removal and nothing after it.
            try await lab.cli(alice, ["group", "remove", "#Lunch", "Carol"])
            try await carolWatchAgain.wait(for: "her removal") { _ in carolWatchAgain.groupTexts().contains("Alice removed Carol") }
            try await lab.cli(alice, ["send", "#Lunch", "after Carol"])
            try await lab.cli(bob, ["send", "#Lunch", "after Carol too"])
            _ = try await lab.waitForGroupHistory(alice, containing: ["after Carol", "after Carol too"])
            try await Task.sleep(for: .seconds(1))
            let carolsLast = try await lab.groupHistory(carol).compactMap(\.text)
            #expect(carolsLast.last == "Alice removed Carol", "nothing after the removal: \(carolsLast.suffix(3))")

            // --everyone reaches every colleague, Dave only once he is back online.
            try await lab.stopDaemon(dave)
            try await lab.cli(alice, ["send", "--everyone", "fire drill at 3"])
            try await bobWatch.wait(for: "the broadcast") { _ in bobWatch.groupEvents().contains { $0.kind == "broadcast" && $0.text == "fire drill at 3" } }
            try await lab.startDaemon(dave)
            var daveBroadcasts: [String] = []
            _ = try await poll(every: .milliseconds(200), for: .seconds(30)) {
                daveBroadcasts = try await lab.cli(dave, ["history", "*", "--json"]).stdout.split(separator: "\n").compactMap {
                    try? JSONDecoder().decode(GroupLine.self, from: Data($0.utf8)).text
                }
                return !daveBroadcasts.isEmpty
            }
            #expect(daveBroadcasts == ["fire drill at 3"])
        }
    }
}

/// One line of `natter history '#Name' --json` or a group event of `natter watch --json`.
struct GroupLine: Decodable, Sendable {
    let type: String
    let id: String?
    let text: String?
    let kind: String?
    let name: String?
    let groupName: String?
}

extension EventLog {
    func groupEvents() -> [GroupLine] {
        process.output().split(separator: "\n").compactMap { try? JSONDecoder().decode(GroupLine.self, from: Data($0.utf8)) }
            .filter { $0.type.hasPrefix("group") }
    }

    func groupTexts() -> [String] { groupEvents().filter { $0.type == "groupMessage" }.compactMap(\.text) }

    func groupStateTexts() -> [String] { groupEvents().filter { $0.type == "groupState" }.compactMap(\.text) }
}

extension MessengerLab {
    /// `natter send '#Lunch' PREFIX+NAME+i` for i in 1...count, from each host
    /// in turn (each host's sends in one shell, the hosts concurrently).
    func postNumbered(_ count: Int, from hosts: [LabHost], prefix: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for host in hosts {
                let script = (1...count).map {
                    "'\(natter)' send '#Lunch' \(prefix)\(name(host))\($0) --data-dir '\(dataDirectory(host))' >/dev/null"
                }.joined(separator: " && ")
                group.addTask {
                    let result = try await self.lab.run(on: host, ["/bin/sh", "-c", script], environment: self.env(host), timeout: .seconds(120))
                    guard result.status == 0 else { throw MessengerLabError("sending on \(host.name) failed: \(result.stderr)") }
                }
            }
            try await group.waitForAll()
        }
    }

    func groupHistory(_ host: LabHost) async throws -> [GroupLine] {
        try await cli(host, ["history", "#Lunch", "--limit", "1000", "--json"]).stdout.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(GroupLine.self, from: Data($0.utf8))
        }
    }

    /// `host`'s #Lunch history once it holds every one of `texts`.
    func waitForGroupHistory(_ host: LabHost, containing texts: [String], timeout: Duration = .seconds(30)) async throws -> [GroupLine] {
        var history: [GroupLine] = []
        try await waitUntil("\(host.name)'s #Lunch history to hold \(texts)", timeout: timeout, every: .milliseconds(200),
            detail: { "it holds: \(history.compactMap(\.text).suffix(10))" }) {
            history = try await groupHistory(host)
            return Set(history.compactMap(\.text)).isSuperset(of: texts)
        }
        return history
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
