import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import Testing

/// A full disk fails every store write; the log says so once per interval
/// with a count, not once per message and resend.
@Suite("Daemon logging: repeated failures once per interval")
struct NatterDaemonLoggingTests {
    let office = Office()

    /// The counts the throttle added to the lines (`[N more like it …]`).
    func heldBack(in line: String) -> Int {
        guard let open = line.lastIndex(of: "["), let number = line[line.index(after: open)...].split(separator: " ").first else { return 0 }
        return Int(number) ?? 0
    }

    @Test func aFullDiskIsLoggedOncePerMinuteWithACount() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        try await bob.daemon.store.simulateFullDisk()
        var generator = SystemRandomNumberGenerator()
        // Each text is larger than a page, so storing it needs a new page: the full disk refuses every one.
        let failures = 100
        for index in 0..<failures {
            let id = MessageID(unixMilliseconds: 1_700_000_000_000 + UInt64(index), using: &generator)
            await bob.daemon.receiveChat(
                id: id, sequence: UInt64(index + 1), sentAt: 1_700_000_000_000, text: String(repeating: "x", count: 5000),
                from: alice.fingerprint)
            await bob.daemon.finishCommits()  // its group commit fails now, not in a later second
            office.clock.advance(by: .seconds(1))
        }
        // The repeats after the last line written are told when their minute is over.
        office.clock.advance(by: NodeConstants.repeatedLogInterval)
        await bob.daemon.maintenance()

        let lines = bob.log.messages().filter { $0.contains("could not store an incoming message") }
        #expect((2...4).contains(lines.count), "one line a minute, not one per failure: \(lines)")
        #expect(lines.first?.contains("[") == false, "the first is written at once, as it is")
        let counted = lines.map(heldBack).reduce(0, +)
        #expect(counted + lines.count >= failures && counted < failures, "every failure is in a line or a count: \(lines)")
        #expect(try await bob.daemon.store.history(with: alice.fingerprint, limit: 10).isEmpty, "the disk really was full")
        await alice.stop(); await bob.stop()
    }

    @Test func aFullDiskIsOneSentenceToTheUser() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        try await alice.daemon.store.simulateFullDisk()
        await #expect(throws: APICallError(status: 500, message: "the message store failed to store an outgoing message: the disk is full")) {
            try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: String(repeating: "x", count: 5000)), as: MessageView.self)
        }
        await alice.stop(); await bob.stop()
    }
}
