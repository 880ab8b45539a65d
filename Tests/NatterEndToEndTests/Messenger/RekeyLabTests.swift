import Foundation
import LabSupport
import Testing

/// A link's keys replaced again and again under real traffic (Docs/protocol.md
/// §5.8): the daemons rekey every 2 s (`NATTER_TEST_REKEY_AFTER_MS`, a knob
/// for tests), while Alice types in a real `natter chat` (typing states over
/// UDP and TCP) and sends, and Bob answers from the CLI.
@Suite("Rekey end to end", .enabled(if: LabGate.isAvailable), .serialized)
struct RekeyLabTests {
    static let rekeyMilliseconds = 2_000
    static let rounds = 16

    /// The epochs a daemon's debug log reports, in order ("link rekeyed … epoch=N").
    static func rekeyLines(_ output: String) -> [(epoch: Int, accepted: Int, dropped: Int)] {
        func value(_ key: String, in line: Substring) -> Int? {
            guard let range = line.range(of: key + "=") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        return output.split(separator: "\n").filter { $0.contains("link rekeyed") }.compactMap { line in
            guard let epoch = value("epoch", in: line) else { return nil }
            return (epoch, value("acceptedDatagrams", in: line) ?? -1, value("droppedDatagrams", in: line) ?? -1)
        }
    }

    @Test func aLinkRunsAcrossManyRekeysWithoutLosingAMessageOrAState() async throws {
        try await withMessengerLab(["Alice", "Bob"], startDaemons: false) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let fast = ["NATTER_TEST_REKEY_AFTER_MS": "\(Self.rekeyMilliseconds)"]
            let aliceDaemon = try await lab.startDaemon(alice, environment: fast)
            let bobDaemon = try await lab.startDaemon(bob, environment: fast)
            try await lab.waitUntilOnline(alice, sees: "Bob")
            try await lab.waitUntilOnline(bob, sees: "Alice")
            let bobWatch = try await lab.watch(bob), aliceWatch = try await lab.watch(alice)
            let started = ContinuousClock.now
            var typingSeen = 0
            try await ChatPane.with(on: alice, of: lab, peer: "Bob") { chat in
                for round in 1...Self.rounds {
                    // Each typing state must reach Bob, whatever epoch it is sent in.
                    try await bobWatch.expectState("typing", timeout: .seconds(10)) { try await chat.type("a\(round)") }
                    typingSeen += 1
                    try await chat.press("Enter")
                    try await lab.cli(bob, ["send", "Alice", "b\(round)"])
                    try await Task.sleep(for: .milliseconds(1_200))  // spread the traffic over many epochs
                }
                try await bobWatch.wait(for: "Alice's messages", timeout: .seconds(20)) { _ in bobWatch.incomingMessages().count >= Self.rounds }
                try await aliceWatch.wait(for: "Bob's messages", timeout: .seconds(20)) { _ in aliceWatch.incomingMessages().count >= Self.rounds }
            }
            let elapsed = ContinuousClock.now - started
            try await Task.sleep(for: .seconds(1))  // a duplicate would show up now

            #expect(bobWatch.incomingMessages().compactMap(\.text) == (1...Self.rounds).map { "a\($0)" }, "each exactly once, in order")
            #expect(aliceWatch.incomingMessages().compactMap(\.text) == (1...Self.rounds).map { "b\($0)" }, "each exactly once, in order")
            #expect(typingSeen == Self.rounds)

            let aliceLog = aliceDaemon.output(), bobLog = bobDaemon.output()
            let aliceRekeys = Self.rekeyLines(aliceLog), bobRekeys = Self.rekeyLines(bobLog)
            // One link all along: its epochs count 1, 2, 3, … on both sides, and
            // at a rekey every 2 s the test's span holds at least 8 of them.
            #expect(aliceRekeys.map(\.epoch) == Array(1...max(1, aliceRekeys.count)), "one link, no reconnection: \(aliceRekeys.map(\.epoch))")
            #expect(bobRekeys.map(\.epoch) == Array(1...max(1, bobRekeys.count)), "one link, no reconnection: \(bobRekeys.map(\.epoch))")
            #expect(aliceRekeys.count >= 8 && bobRekeys.count >= 8)
            for (name, log) in [("Alice", aliceLog), ("Bob", bobLog)] {
                #expect(!log.contains("colleague offline"), "\(name)'s link never dropped")
                #expect(!log.contains("dropped a link"), "\(name) refused nothing")
            }
            // Datagrams: states arrived over UDP across the rekeys, and none
            // was dropped (old keys are kept for datagrams in flight).
            let aliceLast = try #require(aliceRekeys.last), bobLast = try #require(bobRekeys.last)
            #expect(bobLast.accepted > 0, "Bob received Alice's states as datagrams")
            #expect(aliceLast.dropped == 0 && bobLast.dropped == 0, "no datagram dropped")
            // Every state frame Bob's daemon took in, the UDP and the TCP copy of each.
            let stateFrames = bobLog.components(separatedBy: "state event in").count - 1
            print(
                "rekey lab: \(elapsed) of traffic, \(aliceRekeys.count) rekeys at Alice (\(bobRekeys.count) at Bob), "
                    + "\(Self.rounds) messages each way, \(typingSeen) typing states shown, \(stateFrames) state frames in at Bob, "
                    + "datagrams accepted by Bob \(bobLast.accepted) / Alice \(aliceLast.accepted) (at the last rekey), "
                    + "dropped \(bobLast.dropped + aliceLast.dropped), lost messages 0")
        }
    }
}
