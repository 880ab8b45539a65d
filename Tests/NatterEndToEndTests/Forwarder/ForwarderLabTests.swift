import Crypto
import Foundation
import LabSupport
import NatterWire
import Synchronization
import Testing

/// Issue 12's lab: two subnets joined by a router host that runs the
/// forwarder; mDNS does not cross the router. Hosts h1…hk are on subnet 1,
/// the rest on subnet 2 (`withMessengerLab(router: true)`).
@Suite("Forwarder across subnets", .enabled(if: LabGate.isAvailable), .serialized)
struct ForwarderLabTests {
    @Test func colleaguesOnTwoSubnetsFindEachOtherThroughTheForwarderAndTalkDirectly() async throws {
        try await withMessengerLab(["Alice", "Bob"], router: true, startDaemons: false) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            // Nothing configured: both find the forwarder on their own subnet's mDNS.
            let forwarder = try await lab.startForwarder()
            try await lab.startDaemon(alice)
            try await lab.startDaemon(bob)
            let started = ContinuousClock.now
            try await lab.waitUntilOnline(alice, sees: "Bob", timeout: .seconds(10))
            try await lab.waitUntilOnline(bob, sees: "Alice", timeout: .seconds(10))
            let listed = started.duration(to: .now)
            print("forwarder lab: listed each other \(listed) after both daemons were up")
            #expect(listed < .seconds(3), "they list each other within 3 s (took \(listed))")
            #expect(try await lab.link(alice, to: "Bob") == "direct", "the router forwards: no relay needed")
            #expect(try await lab.link(bob, to: "Alice") == "direct")

            try await lab.cli(alice, ["send", "Bob", "hello from the first floor"])
            try await lab.cli(bob, ["send", "Alice", "hello from the second floor"])
            try await waitUntil("both messages to arrive", timeout: .seconds(10)) {
                let both = ["hello from the first floor", "hello from the second floor"]
                let atBob = try await lab.history(bob, with: "Alice"), atAlice = try await lab.history(alice, with: "Bob")
                return atBob == both && atAlice == both
            }
            try await lab.showEverySessionState(from: alice, to: bob)

            // Issue 14 item 6, the forwarder: Bob's clock an hour behind. The
            // forwarder refuses his hello for its timestamp with a clock hint
            // (Docs/protocol.md §9.3.1), he registers in its time, Alice finds
            // him through it again, and each side says so once.
            try await lab.stopDaemon(bob)
            let skewed = try await lab.startDaemon(bob, environment: ["NATTER_TEST_CLOCK_OFFSET_MS": "-3600000"])
            let restarted = ContinuousClock.now
            try await skewed.waitForLine(containing: "registered with forwarder", timeout: .seconds(20))
            let registeredAfter = restarted.duration(to: .now)
            try await lab.waitUntilOnline(alice, sees: "Bob", timeout: .seconds(30))
            func lines(_ process: LabProcess, _ text: String) -> [Substring] { process.output().split(separator: "\n").filter { $0.contains(text) } }
            let said = lines(skewed, "refused the registration for the clock")
            #expect(said.count == 1 && said.first?.contains("its clock is 1 h ahead of this one; registering in its time") == true, "\(said)")
            let heard = lines(forwarder, "has a clock")
            #expect(heard.count == 1 && heard.first?.contains("has a clock 1 h behind this one: its hello was refused with a clock hint") == true, "\(heard)")
            let report = try await DoctorLabTests().doctor(lab, on: bob)
            #expect(report.line("forwarders")?.verdict == "WARN", "\(report.text)")
            #expect(report.line("forwarders")?.summary.contains("'s clock is 1 h ahead of this one (a clock hint)") == true, "\(report.text)")
            print("forwarder lab: an hour behind, Bob registered \(registeredAfter) after his restart")
        }
    }

    /// Tests 2 and 3 of the issue: the router drops A↔B except to and from the
    /// forwarder, so the conversation runs through the relay — and a capture
    /// on the forwarder's host shows none of what it carried.
    @Test func theRelayCarriesTheConversationAndTheForwarderSeesNoneOfIt() async throws {
        let alice = "Alice Quartermaine", bob = "Bob Underhill"
        try await withMessengerLab([alice, bob], router: true, startDaemons: false) { lab in
            let (aliceHost, bobHost) = (lab.hosts[0], lab.hosts[1])
            try await lab.lab.blockRoute()
            let capture = "\(lab.root)/forwarder-host.pcap"
            let recording = try await lab.lab.startCapture(on: try #require(lab.lab.router), to: capture)
            _ = try await lab.startForwarder(metricsPort: 9310)
            try await lab.startDaemon(aliceHost)
            try await lab.startDaemon(bobHost)
            try await lab.waitUntilOnline(aliceHost, sees: bob, timeout: .seconds(15))
            try await lab.waitUntilOnline(bobHost, sees: alice, timeout: .seconds(15))
            #expect(try await lab.link(aliceHost, to: bob) == "relayed")
            #expect(try await lab.link(bobHost, to: alice) == "relayed")

            // Exactly once and in order, both ways, through the relay.
            let texts = (1...20).map { "relayed note \($0) of twenty" }
            for text in texts { try await lab.cli(aliceHost, ["send", bob, text]) }
            try await lab.cli(bobHost, ["send", alice, "relayed answer"])
            try await waitUntil("all 21 messages on both sides", timeout: .seconds(15)) {
                let atBob = try await lab.history(bobHost, with: alice), atAlice = try await lab.history(aliceHost, with: bob)
                return atBob.count == 21 && atAlice.count == 21
            }
            #expect(try await lab.history(bobHost, with: alice) == texts + ["relayed answer"], "exactly once, in order")
            try await lab.showEverySessionState(from: aliceHost, to: bobHost)
            try await lab.lab.stopCapture(recording)
            // The states went as datagrams too, relayed by index (and by the stream).
            let datagrams = try await lab.forwarderMetric("natter_forwarder_relayed_datagrams_total") ?? 0
            #expect(datagrams > 0, "state datagrams were relayed (\(datagrams))")

            // `natter doctor` names the path and finds the relay's UDP path working (issue 14 item 1).
            let report = try await DoctorLabTests().doctor(lab, on: aliceHost, bob)
            let forwarder = lab.lab.routerAddress(facing: aliceHost)
            #expect(report.line("peer-link")?.verdict == "WARN", "\(report.text)")
            #expect(report.line("peer-link")?.summary.hasPrefix("linked to \(bob) only through forwarder \(forwarder):") == true, "\(report.text)")
            #expect(report.line("peer-udp")?.verdict == "OK", "\(report.text)")
            #expect(report.line("peer-udp")?.summary.hasPrefix("a state datagram to \(bob) through the forwarder came back in ") == true, "\(report.text)")
            #expect(report.line("peer-udp")?.summary.hasSuffix("(\(forwarder):7310)") == true, "to the forwarder's UDP port: \(report.text)")
            print("forwarder lab: \(report.line("peer-udp")?.summary ?? "")")

            // Blindness, on the wire: the capture holds the relayed traffic
            // but no name, no text and no key the forwarder must not have.
            let wire = try Data(contentsOf: URL(fileURLWithPath: capture))
            #expect(wire.count > 10_000, "the capture holds the relayed conversation (\(wire.count) bytes)")
            let team = try TeamCode.decode(try #require(lab.teamCodes.withLock { $0[0] }))
            let subkeys = team.subkeys
            var secrets: [(String, [UInt8])] = [("team key", team.bytes)]
            for (name, key) in [("psk", subkeys.psk), ("admit", subkeys.admit), ("tag", subkeys.tag), ("seal", subkeys.seal)] {
                secrets.append((name + " subkey", key.withUnsafeBytes { Array($0) }))
            }
            for text in [alice, bob, "relayed note", "relayed answer", "see you", "did you read the doc?"] {
                secrets.append(("\"\(text)\"", Array(text.utf8)))
            }
            for (what, bytes) in secrets {
                #expect(wire.range(of: Data(bytes)) == nil, "the forwarder's host saw the \(what) on the wire")
            }
            // …and holds nothing but the forwarder code: no team code, no key file of a member.
            let given = try FileManager.default.contentsOfDirectory(atPath: "\(lab.root)/forwarder")
            #expect(given == ["forwarder-code"])
            let code = try String(contentsOfFile: "\(lab.root)/forwarder/forwarder-code", encoding: .utf8)
            #expect(code.hasPrefix("FWD-") && !code.contains(TeamCode.encode(team)))
        }
    }

    /// Test 4: the forwarder killed mid-conversation and restarted: nothing is
    /// lost and the relayed conversation resumes within 5 s; while it is down,
    /// colleagues on one subnet carry on.
    @Test func aForwarderRestartLosesNothingAndSameSubnetChatNeverNoticed() async throws {
        try await withMessengerLab(["Alice", "Carol", "Bob"], router: true, startDaemons: false) { lab in
            let (alice, carol, bob) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            try await lab.lab.blockRoute()
            let forwarder = try await lab.startForwarder()
            for host in lab.hosts { try await lab.startDaemon(host) }
            try await lab.waitUntilOnline(alice, sees: ["Bob", "Carol"], timeout: .seconds(15))
            try await lab.waitUntilOnline(bob, sees: "Alice", timeout: .seconds(15))
            #expect(try await lab.link(alice, to: "Carol") == "direct")

            forwarder.signal(SIGKILL)
            try await forwarder.waitForExit(timeout: .seconds(10))
            try await lab.cli(alice, ["send", "Bob", "sent while the forwarder was down"])
            try await lab.cli(alice, ["send", "Carol", "lunch at noon?"])
            try await waitUntil("Carol to get hers at once", timeout: .seconds(5)) {
                try await lab.history(carol, with: "Alice") == ["lunch at noon?"]
            }
            #expect(try await lab.link(alice, to: "Carol") == "direct", "same-subnet colleagues are not disturbed")

            _ = try await lab.startForwarder()
            let restarted = ContinuousClock.now
            try await waitUntil("Bob to get the queued message", timeout: .seconds(15)) {
                try await lab.history(bob, with: "Alice") == ["sent while the forwarder was down"]
            }
            let resumed = restarted.duration(to: .now)
            print("forwarder lab: relayed conversation resumed \(resumed) after the forwarder restarted")
            #expect(resumed < .seconds(5), "resumes within 5 s of the restart (took \(resumed))")
            try await lab.cli(bob, ["send", "Alice", "back"])
            try await waitUntil("the answer", timeout: .seconds(5)) { try await lab.history(alice, with: "Bob").last == "back" }
            #expect(try await lab.history(bob, with: "Alice") == ["sent while the forwarder was down", "back"], "exactly once")
        }
    }

    /// Test 5: someone without the forwarder code gets no byte back and learns
    /// no member — neither a member of another team running natter, nor a
    /// stranger writing bytes by hand.
    @Test func withoutTheForwarderCodeNobodyGetsAnAnswerOrAName() async throws {
        try await withMessengerLab(["Alice", "Bob", "Dave"], teams: [0, 0, 1], router: true, startDaemons: false) { lab in
            let (alice, bob, dave) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            try await lab.lab.blockRoute()
            let (_, subnet2) = lab.forwarderAddresses
            let forwarder = try await lab.startForwarder(mdns: false)
            try await lab.setNetwork(alice, forwarders: ["10.231.1.1:7310"])
            for host in [bob, dave] { try await lab.setNetwork(host, forwarders: ["\(subnet2):7310"]) }
            for host in lab.hosts { try await lab.startDaemon(host) }
            try await lab.waitUntilOnline(alice, sees: "Bob", timeout: .seconds(15))
            try await Task.sleep(for: .seconds(2))
            #expect(try await lab.peers(of: dave).isEmpty, "Dave's team is not admitted: he learns no member")
            #expect(try await !lab.peers(of: alice).contains { $0.name == "Dave" })
            #expect(forwarder.output().contains("admission"), "the refusal is logged")

            // A stranger's hello (another team's key) and plain garbage: no byte back.
            let stranger = ForwarderClientHandshake(key: TeamKey().subkeys.forwarder, nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
            for (what, message) in [("a stranger's hello", stranger.hello), ("garbage", Array("GET / HTTP/1.1\r\n\r\n".utf8))] {
                let framed = [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
                let escaped = framed.map { String(format: "\\x%02x", $0) }.joined()
                let probe = "exec 3<>/dev/tcp/\(subnet2)/7310; printf '\(escaped)' >&3; timeout 3 cat <&3 | wc -c"
                let answer = try await lab.lab.run(on: dave, ["bash", "-c", probe], timeout: .seconds(10))
                #expect(answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(what) got an answer: \(answer.stdout)")
            }
        }
    }

    /// Test 6: two forwarders, one stopped: the conversation carries on through the other.
    @Test func withTwoForwardersEitherOneIsEnough() async throws {
        try await withMessengerLab(["Alice", "Bob"], router: true, startDaemons: false) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            try await lab.lab.blockRoute()
            let first = try await lab.startForwarder(port: 7310, mdns: false)
            _ = try await lab.startForwarder(port: 7311, mdns: false)
            try await lab.setNetwork(alice, forwarders: ["10.231.1.1:7310", "10.231.1.1:7311"])
            try await lab.setNetwork(bob, forwarders: ["10.231.2.1:7310", "10.231.2.1:7311"])
            for host in lab.hosts { try await lab.startDaemon(host) }
            try await lab.waitUntilOnline(alice, sees: "Bob", timeout: .seconds(15))
            try await lab.cli(alice, ["send", "Bob", "through either"])
            try await waitUntil("the first message", timeout: .seconds(10)) { try await lab.history(bob, with: "Alice") == ["through either"] }

            first.signal(SIGKILL)
            try await first.waitForExit(timeout: .seconds(10))
            let stopped = ContinuousClock.now
            try await lab.cli(alice, ["send", "Bob", "with one forwarder left"])
            try await waitUntil("the message through the other forwarder", timeout: .seconds(20)) {
                try await lab.history(bob, with: "Alice") == ["through either", "with one forwarder left"]
            }
            print("forwarder lab: one of two forwarders killed; the message arrived after \(stopped.duration(to: .now))")
            try await lab.waitUntilOnline(bob, sees: "Alice", timeout: .seconds(5))
            #expect(try await lab.link(alice, to: "Bob") == "relayed")
        }
    }

    /// Liveness: a member whose machine leaves the network without a word
    /// (every packet to and from it dropped at its switch port: a cable
    /// pulled, a laptop lid shut) is withdrawn from the directory within
    /// 15 s, and its colleague shows it offline. The kernel's TCP keepalives
    /// notice (Docs/protocol.md §9.3): neither process keeps a timer for it.
    @Test func aMemberThatVanishesIsWithdrawnAndShownOfflineWithin15Seconds() async throws {
        try await withMessengerLab(["Alice", "Bob"], router: true, startDaemons: false) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            try await lab.lab.blockRoute()
            let forwarder = try await lab.startForwarder()
            for host in lab.hosts { try await lab.startDaemon(host) }
            try await lab.waitUntilOnline(alice, sees: "Bob", timeout: .seconds(15))
            try await lab.lab.impair(bob, loss: 100)
            let vanished = ContinuousClock.now
            try await waitUntil("the forwarder to withdraw Bob", timeout: .seconds(15)) {
                forwarder.output().contains("disconnected from \(bob.address)")
            }
            let withdrawn = vanished.duration(to: .now)
            try await waitUntil("Alice to show Bob offline", timeout: .seconds(16)) {
                try await !lab.peers(of: alice).contains { $0.name == "Bob" && $0.online }
            }
            let offline = vanished.duration(to: .now)
            print("forwarder lab: a vanished member was withdrawn after \(withdrawn) and shown offline after \(offline)")
            #expect(withdrawn <= .seconds(15) && offline <= .seconds(16))
        }
    }
}
