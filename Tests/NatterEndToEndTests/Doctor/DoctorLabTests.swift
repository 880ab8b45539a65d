import Foundation
import LabSupport
import Testing

/// Issue 14 item 1: `natter doctor` on lab hosts, each check made to fail on
/// purpose and its line asserted. One lab for all of them (10–20 s):
/// Alice and Bob in one team, Mallory in another; then an nftables rule on
/// Alice dropping mDNS, one on Bob dropping his TCP port, Alice's
/// avahi-daemon stopped, Alice's natter stopped, and a forwarder configured
/// that nobody runs, and Bob's clock an hour ahead (`NATTER_TEST_CLOCK_OFFSET_MS`):
/// they still link and chat, and both say by how much once (issue 14 item 6).
@Suite("natter doctor on lab hosts", .enabled(if: LabGate.isAvailable), .serialized)
struct DoctorLabTests {
    @Test func eachCheckFailsOnPurposeAndSaysWhatToDo() async throws {
        try await withMessengerLab(["Alice", "Bob", "Mallory"], teams: [0, 0, 1]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])

            // Mallory's team differs: the only line that is not OK, so the exit status is 1.
            // The lab waits for team mates only; Mallory's record may still be probing (about 1 s).
            var started = ContinuousClock.now
            var firstSeen: Report?
            try await waitUntil("Alice's doctor to see Mallory's record", timeout: .seconds(15), every: .milliseconds(300), detail: { firstSeen?.text ?? "" }) {
                firstSeen = try await doctor(lab, on: alice)
                return firstSeen?.line("other-teams")?.verdict == "WARN"
            }
            started = ContinuousClock.now
            let healthy = try await doctor(lab, on: alice, "Bob")
            let healthyTime = started.duration(to: .now)
            #expect(healthy.status == 1, "a WARN is not everything OK")
            #expect(healthy.verdicts == [
                "daemon": "OK", "avahi": "OK", "own-record": "OK", "interfaces": "OK", "firewall": "OK", "other-teams": "WARN",
                "forwarders": "OK", "clock": "OK", "peer-record": "OK", "peer-tcp": "OK", "peer-link": "OK",
                "peer-udp": "OK", "peer-error": "OK",
            ], "\(healthy.text)")
            #expect(healthy.line("other-teams")?.summary == "1 natter device here uses a different team key", "\(healthy.text)")
            #expect(healthy.line("interfaces")?.summary.contains(alice.address) == true, "\(healthy.text)")
            // IPv6 addresses are listed too: the host's link-local one, as `ip` reports it.
            let ipv6 = try await lab.lab.run(on: alice, ["ip", "-6", "-o", "addr", "show", "scope", "link"]).stdout
            let words = ipv6.split(whereSeparator: \.isWhitespace)
            if let index = words.firstIndex(of: "inet6"), index + 1 < words.count {
                let linkLocal = words[index + 1].split(separator: "/")[0]
                #expect(healthy.line("interfaces")?.summary.contains(linkLocal) == true, "\(linkLocal) in \(healthy.text)")
            }
            #expect(healthy.line("peer-link")?.summary == "linked to Bob directly (\(bob.address)): the handshake completed")
            let bobUDP = try await port(lab, of: bob, "udpPort")
            #expect(healthy.line("peer-udp")?.summary.hasPrefix("a state datagram to Bob came back in ") == true, "\(healthy.text)")
            #expect(healthy.line("peer-udp")?.summary.hasSuffix(" ms (\(bob.address):\(bobUDP))") == true, "\(healthy.text)")
            #expect(healthy.line("peer-error")?.summary == "no link error with Bob since natter started", "\(healthy.text)")

            // A firewall between them drops Bob's UDP port (at his bridge port):
            // the round trip gets no answer, and the line names the port to allow.
            try await lab.lab.block(bob, "udp", port: bobUDP)
            let noUDP = try await doctor(lab, on: alice, "Bob")
            #expect(noUDP.line("peer-udp")?.verdict == "FAIL", "\(noUDP.text)")
            #expect(noUDP.line("peer-udp")?.summary == "UDP to Bob gets no answer (3 requests to \(bob.address):\(bobUDP)): states fall back to TCP", "\(noUDP.text)")
            #expect(noUDP.line("peer-udp")?.fix?.hasPrefix("allow UDP port \(bobUDP) on Bob's side") == true, "\(noUDP.text)")
            #expect(noUDP.line("peer-link")?.verdict == "OK", "the link itself is TCP: \(noUDP.text)")
            try await lab.lab.unblock(bob)

            // The terminal form: one line per check, the fix after "— do:".
            let plain = try await lab.cli(alice, ["doctor"], expectSuccess: false)
            #expect(plain.status == 1)
            #expect(plain.stdout.contains("WARN other-teams: 1 natter device here uses a different team key — do: check the team code"), "\(plain.stdout)")
            #expect(plain.stdout.split(separator: "\n").count == 8, "\(plain.stdout)")

            // A firewall rule on Alice dropping mDNS.
            try await nft(lab, on: alice, "add table inet doctorlab", "add chain inet doctorlab input { type filter hook input priority 0 ; policy accept ; }",
                "add rule inet doctorlab input udp dport 5353 drop")
            let dropped = try await doctor(lab, on: alice)
            #expect(dropped.line("firewall")?.verdict == "FAIL", "\(dropped.text)")
            #expect(dropped.line("firewall")?.summary.hasPrefix("nftables drops UDP 5353 (mDNS): rule `udp dport 5353 drop`") == true, "\(dropped.text)")
            #expect(dropped.line("firewall")?.fix == "allow incoming UDP port 5353: `sudo nft insert rule inet doctorlab input udp dport 5353 accept`")
            try await nft(lab, on: alice, "delete table inet doctorlab")

            // Bob's TCP port dropped on Bob's host: Alice's doctor cannot connect to it.
            let bobPort = try await port(lab, of: bob, "tcpPort")
            try await nft(lab, on: bob, "add table inet doctorlab", "add chain inet doctorlab input { type filter hook input priority 0 ; policy accept ; }",
                "add rule inet doctorlab input tcp dport \(bobPort) drop")
            let unreachable = try await doctor(lab, on: alice, "Bob")
            #expect(unreachable.line("peer-tcp")?.verdict == "FAIL", "\(unreachable.text)")
            #expect(unreachable.line("peer-tcp")?.summary.contains("\(bob.address):\(bobPort) timed out") == true, "\(unreachable.text)")
            let bobsOwn = try await doctor(lab, on: bob)
            #expect(bobsOwn.line("firewall")?.summary.contains("TCP \(bobPort) (natter's links)") == true, "Bob's own doctor names the rule: \(bobsOwn.text)")
            try await nft(lab, on: bob, "delete table inet doctorlab")

            // Alice's avahi-daemon stopped.
            try await lab.lab.avahi(on: alice, .stop)
            let noAvahi = try await doctor(lab, on: alice)
            #expect(noAvahi.line("avahi")?.verdict == "FAIL" && noAvahi.line("avahi")?.summary.hasPrefix("avahi-daemon is not running") == true, "\(noAvahi.text)")
            #expect(noAvahi.line("avahi")?.fix == "start it: `sudo systemctl start avahi-daemon`")
            #expect(noAvahi.line("own-record")?.verdict == "FAIL")

            // Alice's natter stopped: a FAIL with the command, and the other checks still run.
            try await lab.stopDaemon(alice)
            started = ContinuousClock.now
            let noDaemon = try await doctor(lab, on: alice, "Bob")
            let stoppedTime = started.duration(to: .now)
            #expect(noDaemon.line("daemon")?.verdict == "FAIL" && noDaemon.line("daemon")?.fix?.contains("natter up") == true, "\(noDaemon.text)")
            #expect(noDaemon.line("interfaces")?.verdict == "OK" && noDaemon.line("firewall")?.verdict == "OK", "\(noDaemon.text)")
            #expect(noDaemon.line("peer")?.summary == "\"Bob\" cannot be looked up: natter is not running")

            // A configured forwarder nobody runs (Mallory's host, a closed port): not registered.
            let nowhere = "\(lab.hosts[2].address):7999"
            try await lab.setNetwork(alice, forwarders: [nowhere])
            try await lab.startDaemon(alice)
            let noForwarder = try await doctor(lab, on: alice)
            #expect(noForwarder.line("forwarders")?.verdict == "FAIL", "\(noForwarder.text)")
            #expect(noForwarder.line("forwarders")?.summary == "not registered with 1 of 1 forwarders: \(nowhere) (configured)", "\(noForwarder.text)")
            #expect(healthy.line("forwarders")?.verdict == "OK", "none configured or found is fine: \(healthy.text)")

            // Bob's clock an hour ahead (issue 14 item 6): Alice's first handshake is
            // refused with a clock hint, the next is stamped in Bob's time, and they
            // link and chat; each side says by how much the clocks differ, once.
            try await lab.lab.avahi(on: alice, .start)
            try await lab.stopDaemon(bob)
            // natter's own knob rather than libfaketime: preloaded, it made natter
            // misread its arguments on a lab host, and `faketime` forks, so
            // stopping it by PID left the daemon behind. It moves the handshake
            // clock only (mDNS records allow minutes: Docs/protocol.md §8.6).
            let skewed = try await lab.startDaemon(bob, environment: ["NATTER_TEST_CLOCK_OFFSET_MS": "3600000"])
            started = ContinuousClock.now
            try await lab.waitUntilOnline(alice, sees: "Bob", timeout: .seconds(30))
            try await lab.waitUntilOnline(bob, sees: "Alice", timeout: .seconds(10))
            let linkedAfter = started.duration(to: .now)
            let bobWatch = try await lab.watch(bob)
            let aliceWatch = try await lab.watch(alice)
            try await lab.cli(alice, ["send", "Bob", "an hour apart"])
            try await bobWatch.wait(for: "Alice's message across the clocks") { _ in bobWatch.incomingMessages().map(\.text) == ["an hour apart"] }
            try await lab.cli(bob, ["send", "Alice", "and still here"])
            try await aliceWatch.wait(for: "Bob's reply across the clocks") { _ in aliceWatch.incomingMessages().map(\.text) == ["and still here"] }

            let aliceDaemon = try #require(lab.daemon(alice))
            func clockLines(_ process: LabProcess) -> [Substring] {
                process.output().split(separator: "\n").filter { $0.contains("this colleague's clock is") }
            }
            #expect(clockLines(aliceDaemon).count == 1 && clockLines(aliceDaemon).first?.contains("clock is 1 h ahead of this one") == true,
                "Alice says it once: \(clockLines(aliceDaemon))")
            #expect(clockLines(skewed).count == 1 && clockLines(skewed).first?.contains("clock is 1 h behind this one") == true,
                "Bob says it once: \(clockLines(skewed))")
            let aliceClock = try await doctor(lab, on: alice, "Bob")
            #expect(aliceClock.line("clock")?.verdict == "WARN", "\(aliceClock.text)")
            #expect(aliceClock.line("clock")?.summary.hasPrefix("Bob's clock is 1 h ahead of this one: linked anyway") == true, "\(aliceClock.text)")
            #expect(aliceClock.line("clock")?.fix?.hasPrefix("set the wrong clock right") == true)
            #expect(aliceClock.line("peer-link")?.verdict == "OK", "\(aliceClock.text)")
            let bobClock = try await doctor(lab, on: bob, "Alice")
            #expect(bobClock.line("clock")?.summary.hasPrefix("Alice's clock is 1 h behind this one: linked anyway") == true, "\(bobClock.text)")
            // Whoever dialled first was refused with a clock hint: that is its last link error, history now (linked since).
            let hinted = [aliceClock, bobClock].compactMap { $0.line("peer-error") }.filter { $0.summary.contains("refused the first handshake for the clock: its clock is 1 h") }
            #expect(hinted.count == 1 && hinted.first?.verdict == "OK" && hinted.first?.summary.hasSuffix("(linked since)") == true,
                "\(aliceClock.text)\n\(bobClock.text)")
            #expect(noDaemon.line("clock")?.verdict == "WARN" && healthy.line("clock")?.verdict == "OK")

            // Alice stopped (her goodbye closes the link), all TCP to and from Bob
            // dropped between them, and Alice started again: Bob (who alone accepts
            // the other's record, being ahead) dials her new record, the dial times
            // out, there is no link, and his last error says so. (His first dial
            // may still go to her old port, whose record's goodbye is not in yet:
            // that times out too, so wait for the error that names the new one.)
            try await lab.stopDaemon(alice)
            try await lab.lab.block(bob, "tcp", port: nil)
            try await lab.startDaemon(alice)
            let alicePort = try await port(lab, of: alice, "tcpPort")
            var cutOff: Report?
            try await waitUntil("Bob's doctor to name the timed-out dial to Alice", timeout: .seconds(25), every: .milliseconds(500), detail: { cutOff?.text ?? "" }) {
                cutOff = try await doctor(lab, on: bob, "Alice")
                return cutOff?.line("peer-error")?.summary.contains("\(alice.address):\(alicePort) timed out") == true
            }
            #expect(cutOff?.line("peer-error")?.summary.contains("the TCP connection to \(alice.address):\(alicePort) timed out") == true, "\(cutOff?.text ?? "")")
            #expect(cutOff?.line("peer-error")?.fix?.hasPrefix("a firewall on Alice's side or between you drops natter's TCP port") == true)
            #expect(cutOff?.line("peer-link")?.verdict == "FAIL" && cutOff?.line("peer-udp")?.verdict == "WARN", "\(cutOff?.text ?? "")")
            try await lab.lab.unblock(bob)
            print("doctor lab: an hour apart, Alice and Bob linked \(linkedAfter) after Bob restarted")
            print("doctor lab: \(healthy.line("peer-udp")?.summary ?? "")")
            print("doctor lab: `natter doctor --json Bob` took \(healthyTime) with everything up, \(stoppedTime) with natter and avahi stopped")
        }
    }

    struct Report: Decodable {
        struct Line: Decodable {
            let check: String
            let verdict: String
            let summary: String
            let fix: String?
        }
        let checks: [Line]
        let ok: Bool
        var status: Int32 = 0
        var text = ""

        enum CodingKeys: String, CodingKey { case checks, ok }

        var verdicts: [String: String] { Dictionary(checks.map { ($0.check, $0.verdict) }, uniquingKeysWith: { first, _ in first }) }
        func line(_ check: String) -> Line? { checks.first { $0.check == check } }
    }

    func doctor(_ lab: MessengerLab, on host: LabHost, _ peer: String? = nil) async throws -> Report {
        let result = try await lab.cli(host, ["doctor", "--json"] + (peer.map { [$0] } ?? []), expectSuccess: false)
        var report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        report.status = result.status
        report.text = result.stdout
        #expect(report.ok == (result.status == 0), "exit status 0 exactly when ok")
        return report
    }

    func nft(_ lab: MessengerLab, on host: LabHost, _ commands: String...) async throws {
        for command in commands {
            let result = try await lab.lab.run(on: host, ["nft"] + command.split(separator: " ").map(String.init))
            guard result.status == 0 else { throw MessengerLabError("nft \(command) on \(host.name): \(result.stderr)") }
        }
    }

    /// `tcpPort` or `udpPort` from the host's `natter status --json`.
    func port(_ lab: MessengerLab, of host: LabHost, _ key: String) async throws -> Int {
        let status = try await lab.cli(host, ["status", "--json"]).stdout
        guard let object = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any], let port = object[key] as? Int else {
            throw MessengerLabError("no \(key) in \(status)")
        }
        return port
    }
}
