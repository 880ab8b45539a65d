import Foundation
import LabSupport
import Testing

/// Each of the six events, produced by real keystrokes and focus reports in a
/// real `natter chat` on Alice's host, observed by `natter watch --json` on Bob's.
/// Presets are shortened by the lab: paused 1 s, left 2 s, away 4 s.
@Suite("Session states end to end", .enabled(if: LabGate.isAvailable), .serialized)
struct SessionStateEndToEndTests {
    @Test func typingPausedLeftReturnedSentReadingClosedAway() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            try await lab.showEverySessionState(from: lab.hosts[0], to: lab.hosts[1])
        }
    }

    @Test func readingWhenTheWindowOpensOnAnUnreadMessage() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let watch = try await lab.watch(bob)
            try await lab.cli(bob, ["send", "Alice", "did you read the doc?"])
            try await ChatPane.with(on: alice, of: lab, peer: "Bob") { chat in
                try await chat.waitForScreen(containing: "did you read the doc?")
                try await watch.waitForState("reading")
            }
        }
    }

    @Test func privacyOffMeansNothingIsObserved() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            try await lab.cli(alice, ["privacy", "share-state", "off"])
            let watch = try await lab.watch(bob)
            try await ChatPane.with(on: alice, of: lab, peer: "Bob") { chat in
                try await chat.type("secret draft")
                try await chat.focusOut()
                try await Task.sleep(for: .seconds(3))  // longer than the paused and left presets
                try await chat.focusIn()
                try await chat.press("Enter")
                try await watch.wait(for: "the message") { _ in !watch.incomingMessages().isEmpty }
                try await chat.press("C-c")
                try await Task.sleep(for: .seconds(1))
                #expect(watch.states().filter { $0 != "active" }.isEmpty, "with sharing off Bob sees no state: \(watch.states())")

                // The switch persists across a restart of the daemon.
                try await lab.stopDaemon(alice)
                try await lab.startDaemon(alice)
                let status = try await lab.cli(alice, ["status", "--json"]).stdout
                #expect(status.contains("\"shareState\":false"))
            }
        }
    }
}
