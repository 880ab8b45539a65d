import Foundation
import LabSupport
import Testing

/// Nothing is ever lost or shown twice: a lossy, reordering, duplicating link,
/// and daemons killed mid-stream.
@Suite("Delivery guarantees end to end", .enabled(if: LabGate.isAvailable), .serialized)
struct ReliabilityTests {
    /// Sends `count` numbered messages from `host` to `peer` with one CLI call each.
    static func sendNumbered(_ count: Int, from host: LabHost, to peer: String, in lab: MessengerLab, prefix: String = "m") async throws {
        for index in 1...count {
            try await lab.cli(host, ["send", peer, "\(prefix)\(index)"])
        }
    }

    static func numbered(_ texts: [String?], prefix: String = "m") -> [Int] {
        texts.compactMap { $0.flatMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil } }
    }

    @Test func fiveHundredMessagesOverALossyLinkArriveOnceAndInOrder() async throws {
        // Alice's away preset out of the way: over this link her last message can take longer
        // than the lab's 4 s preset (ci19: 5.8 s), and then "away" is her honest final state.
        try await withMessengerLab(["Alice", "Bob"], beforeStart: { lab in try lab.setAwayPreset(lab.hosts[0], seconds: 300) }) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            // netem loss 20% delay 5ms reorder 10% duplicate 5%, emulated by the lab (no sch_netem here).
            try await lab.lab.impair(bob, loss: 20, delayMilliseconds: 5, reorder: 10, duplicate: 5)
            let watch = try await lab.watch(bob)
            try await ChatPane.with(on: alice, of: lab, peer: "Bob") { chat in
                try await sendNumberedInBatches(500, from: alice, in: lab)
                try await watch.wait(for: "500 messages", timeout: .seconds(240)) { _ in watch.incomingMessages().count >= 500 }
                try await Task.sleep(for: .seconds(2))  // any duplicate would show up now
                let received = Self.numbered(watch.incomingMessages().map(\.text))
                #expect(received == Array(1...500), "each exactly once, in order")
                let history = try await lab.cli(bob, ["history", "Alice", "--limit", "1000", "--json"]).stdout
                #expect(history.split(separator: "\n").count == 500)

                // The final state shown matches the sender's: typing, then nothing after sending.
                try await watch.expectState("typing", timeout: .seconds(20)) { try await chat.type("last words") }
                try await chat.press("Enter")
                try await watch.wait(for: "the last message", timeout: .seconds(30)) { _ in watch.incomingMessages().contains { $0.text == "last words" } }
                try await watch.wait(for: "the final state", timeout: .seconds(20)) { _ in watch.states().last == "active" }
            }
        }
    }

    /// 500 CLI processes are slow through namespaces; send through the API in
    /// batches of `natter send` calls run concurrently on the host, in order per batch.
    func sendNumberedInBatches(_ count: Int, from host: LabHost, in lab: MessengerLab) async throws {
        let script = (1...count).map { "\(shellWord(lab.natter)) send Bob m\($0) --data-dir \(shellWord(lab.dataDirectory(host))) >/dev/null" }
            .joined(separator: " && ")
        let result = try await lab.lab.run(on: host, ["/bin/sh", "-c", script], environment: lab.env(host), timeout: .seconds(180))
        #expect(result.status == 0, "sending failed: \(result.stderr)")
    }

    @Test func theReceiverKilledMidStreamGetsEveryMessageExactlyOnce() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let sending = Task { try await Self.sendNumbered(120, from: alice, to: "Bob", in: lab) }
            // Let some arrive, then crash Bob's daemon and bring it back.
            let watch = try await lab.watch(bob)
            try await watch.wait(for: "the first messages", timeout: .seconds(30)) { _ in watch.incomingMessages().count >= 20 }
            try await lab.stopDaemon(bob, signal: SIGKILL)
            try await Task.sleep(for: .milliseconds(500))
            try await lab.startDaemon(bob)
            try await sending.value
            var texts: [String] = []
            _ = try await poll(every: .milliseconds(200), for: .seconds(60)) {
                let history = try await lab.cli(bob, ["history", "Alice", "--limit", "1000", "--json"]).stdout
                texts = history.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
                }
                return texts.count >= 120
            }
            #expect(Self.numbered(texts) == Array(1...120), "every message exactly once, in order, after the crash")
        }
    }

    @Test func theSenderKilledWithQueuedMessagesSendsThemAfterItsRestart() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            try await lab.stopDaemon(bob)  // Bob goes offline
            try await Self.sendNumbered(20, from: alice, to: "Bob", in: lab, prefix: "q")
            let queued = try await lab.cli(alice, ["history", "Bob", "--json"]).stdout
            #expect(queued.components(separatedBy: "\"delivery\":\"queued\"").count - 1 == 20)
            try await lab.stopDaemon(alice, signal: SIGKILL)  // Alice crashes with a full outbox
            try await lab.startDaemon(bob)
            let watch = try await lab.watch(bob)
            try await lab.startDaemon(alice)
            try await watch.wait(for: "the queued messages", timeout: .seconds(60)) { _ in watch.incomingMessages().count >= 20 }
            #expect(Self.numbered(watch.incomingMessages().map(\.text), prefix: "q") == Array(1...20))
            var delivered = 0
            _ = try await poll(every: .milliseconds(200), for: .seconds(20)) {
                let history = try await lab.cli(alice, ["history", "Bob", "--json"]).stdout
                delivered = history.components(separatedBy: "\"delivery\":\"delivered\"").count - 1
                return delivered == 20
            }
            #expect(delivered == 20, "every receipt reached Alice")
        }
    }
}

private func shellWord(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
