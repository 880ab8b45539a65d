import LabSupport
import Testing

extension MessengerLab {
    /// Each of the six events, produced by real keystrokes and focus reports
    /// in a real `natter chat` on `sender`'s host, observed by
    /// `natter watch --json` on `receiver`'s: the script every path between
    /// two colleagues (one LAN, routed subnets, a relay) must pass.
    /// Presets are shortened by the lab: paused 1 s, left 2 s, away 4 s.
    func showEverySessionState(from sender: LabHost, to receiver: LabHost) async throws {
        let watch = try await self.watch(receiver)
        // Reading: the receiver's message is waiting when the window opens.
        try await cli(receiver, ["send", name(sender), "did you read the doc?"])
        try await ChatPane.with(on: sender, of: self, peer: name(receiver)) { chat in
            try await chat.waitForScreen(containing: "did you read the doc?")
            try await watch.waitForState("reading")
            try await watch.expectState("typing") { try await chat.type("h") }
            // No keystroke for 1 s: paused.
            try await watch.expectState("pausedTyping") {}
            // Clearing the input box without sending: the indicator goes away.
            try await watch.expectState("active") { try await chat.press("C-u") }

            // Unfocused for 2 s: left temporarily; focus back: active.
            try await watch.expectState("leftTemporarily") { try await chat.focusOut() }
            try await watch.expectState("active") { try await chat.focusIn() }

            // Typing, then sending: the message arrives and typing is gone at once.
            try await watch.expectState("typing") { try await chat.type("see you") }
            let beforeSending = watch.states().count
            try await watch.expectState("active") { try await chat.press("Enter") }
            #expect(watch.incomingMessages().contains { $0.text == "see you" }, "the message arrived")
            #expect(!watch.states().dropFirst(beforeSending).contains("pausedTyping"), "a sent message never shows as paused")

            // Idle (no input at all) for 4 s: away. Any key: back.
            try await watch.expectState("away", timeout: .seconds(10)) {}
            try await watch.expectState("active") { try await chat.press("Right") }
            #expect(
                !watch.states().dropFirst(beforeSending).contains { $0 == "typing" || $0 == "pausedTyping" },
                "no late typing state re-appeared after the message: \(watch.states().dropFirst(beforeSending))")

            // Closing the window that was opened and focused: closed.
            try await watch.expectState("closedWindow") { try await chat.press("C-c") }
        }
    }
}
