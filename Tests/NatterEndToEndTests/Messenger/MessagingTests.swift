import Foundation
import LabSupport
import Testing

@Suite("Messenger end to end on lab hosts", .enabled(if: LabGate.isAvailable), .serialized)
struct MessagingTests {
    @Test func discoverSendReceiveAndHistoryOnBothSides() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let bobWatch = try await lab.watch(bob)
            let aliceWatch = try await lab.watch(alice)
            try await lab.cli(alice, ["send", "Bob", "Hello Bob, 你好 👋"])
            try await bobWatch.wait(for: "Alice's message") { _ in bobWatch.incomingMessages().map(\.text) == ["Hello Bob, 你好 👋"] }
            try await aliceWatch.wait(for: "the delivery receipt") { events in events.contains { $0.type == "delivery" } }

            let bobHistory = try await lab.cli(bob, ["history", "Alice", "--json"]).stdout
            let aliceHistory = try await lab.cli(alice, ["history", "Bob", "--json"]).stdout
            #expect(bobHistory.contains("\"direction\":\"incoming\"") && bobHistory.contains("Hello Bob, 你好 👋"))
            #expect(aliceHistory.contains("\"delivery\":\"delivered\"") && aliceHistory.contains("Hello Bob, 你好 👋"))

            // A reply the other way.
            try await lab.cli(bob, ["send", "alice", "Hi Alice"])
            try await aliceWatch.wait(for: "Bob's reply") { _ in aliceWatch.incomingMessages().map(\.text) == ["Hi Alice"] }
        }
    }

    @Test func anUnknownOrAmbiguousPeerIsAClearError() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let result = try await lab.cli(lab.hosts[0], ["send", "Carol", "hi"], expectSuccess: false)
            #expect(result.status != 0)
            #expect(result.stderr.contains("no colleague matches \"Carol\""))
        }
    }

    @Test func aDaemonThatIsNotRunningIsReportedAsSuch() async throws {
        try await withMessengerLab(["Alice"], startDaemons: false) { lab in
            let result = try await lab.cli(lab.hosts[0], ["peers"], expectSuccess: false)
            #expect(result.status != 0)
            #expect(result.stderr.contains("daemon is not running"))
        }
    }
}
