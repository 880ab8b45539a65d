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
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let watch = try await lab.watch(bob)
            let chat = try await ChatPane.open(on: alice, of: lab, with: "Bob")
            defer { chat.close() }

            try chat.type("h")
            try await watch.waitForState("typing")
            // No keystroke for 1 s: paused.
            try await watch.waitForState("pausedTyping", after: watch.states().count)
            // Clearing the input box without sending: the indicator goes away.
            try chat.press("C-u")
            try await watch.waitForState("active", after: watch.states().count)

            // Unfocused for 2 s: left temporarily; focus back: active.
            try chat.focusOut()
            try await watch.waitForState("leftTemporarily", after: watch.states().count)
            try chat.focusIn()
            try await watch.waitForState("active", after: watch.states().count)

            // Typing, then sending: the message arrives and typing is gone at once.
            try chat.type("see you")
            try await watch.waitForState("typing", after: watch.states().count)
            let before = watch.states().count
            try chat.press("Enter")
            try await watch.wait(for: "the message") { _ in watch.incomingMessages().contains { $0.text == "see you" } }
            try await watch.waitForState("active", after: before)
            #expect(!watch.states().dropFirst(before).contains("pausedTyping"), "a sent message never shows as paused")

            // Idle (no input at all) for 4 s: away. Any key: back.
            try await watch.waitForState("away", after: watch.states().count, timeout: .seconds(10))
            try chat.press("Right")
            try await watch.waitForState("active", after: watch.states().count)

            // Closing the window that was opened and focused: closed.
            try chat.press("C-c")
            try await watch.waitForState("closedWindow", after: watch.states().count)
        }
    }

    @Test func readingWhenTheWindowOpensOnAnUnreadMessage() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let watch = try await lab.watch(bob)
            try await lab.cli(bob, ["send", "Alice", "did you read the doc?"])
            let chat = try await ChatPane.open(on: alice, of: lab, with: "Bob")
            defer { chat.close() }
            try await chat.waitForScreen(containing: "did you read the doc?")
            try await watch.waitForState("reading")
        }
    }

    @Test func privacyOffMeansNothingIsObserved() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            try await lab.cli(alice, ["privacy", "share-state", "off"])
            let watch = try await lab.watch(bob)
            let chat = try await ChatPane.open(on: alice, of: lab, with: "Bob")
            defer { chat.close() }
            try chat.type("secret draft")
            try chat.focusOut()
            try await Task.sleep(for: .seconds(3))  // longer than the paused and left presets
            try chat.focusIn()
            try chat.press("Enter")
            try await watch.wait(for: "the message") { _ in !watch.incomingMessages().isEmpty }
            try chat.press("C-c")
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
