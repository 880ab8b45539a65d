import Foundation
import LabSupport
import Testing

/// Issue 14 item 4 on real daemons: a LAN with only IPv6 link-local
/// addresses (no IPv4 on it at all, avahi-daemon on IPv6 only) and a
/// dual-stack LAN (IPv4, unique-local and link-local IPv6, avahi-daemon on
/// both), one lab each (`netlab create --ipv6 | --dual`).
@Suite("IPv6 LANs on lab hosts", .enabled(if: LabGate.isAvailable), .serialized)
struct IPv6LabTests {
    /// Link-local only: discovery, the handshake, a message over TCP and a
    /// state event over UDP, all through `fe80::…%eth0`; `natter doctor`
    /// dials the colleague's link-local address too. Carol also has Alice as
    /// a static peer written `[fe80::231:11%eth0]:7300`: her link to Alice
    /// must be known as that peer's (else she redials it every 2 s, each
    /// dial replacing the link).
    @Test func aLANWithOnlyIPv6LinkLocalAddressesWorks() async throws {
        let started = ContinuousClock.now
        try await withMessengerLab(["Alice", "Bob", "Carol"], network: .ipv6LinkLocal, beforeStart: { lab in
            try await lab.setNetwork(lab.hosts[0], tcpPort: 7300)
            try await lab.setNetwork(lab.hosts[2], staticPeers: ["[\(lab.hosts[0].address)%eth0]:7300"])
        }) { lab in
            let (alice, bob, carol) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            print("MEASURED IPv6 link-local lab: all online \(started.duration(to: .now)) after the lab was asked for")
            let carolsLink = try await expectOneLink(lab, from: carol, to: alice, addresses: ["[\(alice.address)]"])
            let carolsLinkSince = ContinuousClock.now
            let bobsInterface = try await lab.lab.run(on: bob, ["ip", "-o", "addr", "show", "dev", "eth0"]).stdout
            #expect(!bobsInterface.contains(" inet "), "no IPv4 on the LAN: \(bobsInterface)")
            let linkLocal = try #require(bob.linkLocal)

            // One link, and it runs between the link-local addresses.
            try await expectOneLink(lab, from: alice, to: bob, addresses: ["[\(linkLocal)]"])
            #expect(try await lab.peers(of: alice).filter { $0.name == "Bob" }.map(\.link) == ["direct"])

            // A message over the link's TCP stream.
            let watch = try await lab.watch(bob)
            try await lab.cli(alice, ["send", "Bob", "hello over fe80"])
            try await watch.wait(for: "Alice's message on Bob's watch") { _ in
                watch.incomingMessages().contains { $0.text == "hello over fe80" }
            }
            try await waitForDelivery(of: "hello over fe80", from: alice, in: lab)

            // A state event; the capture on Bob's host shows it came (also) as an IPv6 datagram to his UDP port.
            let udpPort = try await statusField("udpPort", of: bob, in: lab)
            let pcap = lab.root + "/bob-udp.pcap"
            let capture = try await lab.lab.startCapture(on: bob, to: pcap)
            try await watch.expectState("typing") {
                let window = try await lab.openWindow(on: alice, to: "Bob")
                try await lab.signal("focused", window: window, on: alice)
                try await lab.signal("keystroke", window: window, on: alice)
            }
            try await lab.lab.stopCapture(capture)
            let datagrams = try await lab.lab.run(on: bob, ["tcpdump", "-r", pcap, "-nn", "ip6 and udp and dst port \(udpPort)"])
            let lines = datagrams.stdout.split(separator: "\n")
            #expect(!lines.isEmpty, "a state datagram to Bob's UDP port \(udpPort) over IPv6: \(datagrams.stderr)")
            #expect(lines.allSatisfy { $0.contains("fe80::231:11") }, "from Alice's link-local address: \(lines)")

            // `natter doctor Bob` connects to Bob's link-local address through eth0.
            let doctor = try await lab.cli(alice, ["doctor", "Bob"], expectSuccess: false).stdout
            #expect(doctor.contains("every address of Bob accepts TCP ([\(linkLocal)%eth0]:"), "\(doctor)")

            // Carol's link to her static peer is the same one two maintenance rounds later.
            try await Task.sleep(until: carolsLinkSince + .seconds(5))
            #expect(try await expectOneLink(lab, from: carol, to: alice, addresses: ["[\(alice.address)]"]) == carolsLink,
                "a link from [\(alice.address)%eth0] is the static peer's: not redialled")
        }
        print("MEASURED IPv6 link-local lab test: \(started.duration(to: .now)) in all")
    }

    /// Dual-stack: each colleague is one colleague with one link, whichever
    /// family each side dialled or was dialled in; it stays one (no
    /// replacement churn over several maintenance rounds) and every message
    /// arrives exactly once. Carol also has Alice as a static peer by her
    /// IPv4 address: a link Alice dialled reaches Carol's `::` listener as
    /// `::ffff:10.231.0.11`, and only if that is read as 10.231.0.11 does
    /// Carol know the static peer is linked (else she redials it every 2 s,
    /// each dial replacing the link).
    @Test func aDualStackLANGivesOneLinkPerColleague() async throws {
        let started = ContinuousClock.now
        let aliceStatic = "10.231.0.11:7300"
        try await withMessengerLab(["Alice", "Bob", "Carol"], network: .dualStack, beforeStart: { lab in
            try await lab.setNetwork(lab.hosts[0], tcpPort: 7300)
            try await lab.setNetwork(lab.hosts[2], staticPeers: [aliceStatic])
        }) { lab in
            print("MEASURED dual-stack lab: all online \(started.duration(to: .now)) after the lab was asked for")
            let hosts = lab.hosts

            // Every record is seen in both families (so both could be dialled). Asked again
            // for up to 10 s: the lab counts a host online once it is linked, and Carol links
            // to her static peer before Avahi has finished probing her record (about a
            // second), so a first look at Alice's cache may not have it yet (ci14).
            let ipv6 = { (other: LabHost) in "fd00:231::\(other.address.split(separator: ".").last!)" }
            var browse = ""
            _ = try await poll(every: .milliseconds(500), for: .seconds(10)) {
                browse = try await lab.lab.run(on: hosts[0], ["avahi-browse", "-rpt", "_natter._tcp"], timeout: .seconds(15)).stdout
                return hosts.dropFirst().allSatisfy { browse.contains(";\($0.address);") && browse.contains(";\(ipv6($0));") }
            }
            for other in hosts.dropFirst() {
                #expect(browse.contains(";IPv4;") && browse.contains(";\(other.address);"), "\(other.name) over IPv4: \(browse)")
                #expect(browse.contains(";IPv6;") && browse.contains(";\(ipv6(other));"), "\(other.name) over IPv6: \(browse)")
            }

            // Exactly one link per pair, from either end, and the same one several rounds later.
            // Not from the first moment: a daemon dials the first address it learns, and Avahi
            // may answer in IPv6 first; Carol's static peer (Alice's IPv4 address) is then
            // dialled once more and that link replaces the IPv6 one, quietly, within a round.
            try await Task.sleep(for: .seconds(4))
            var first: [String: String] = [:]
            for host in hosts {
                for other in hosts where other != host {
                    first["\(host.name)-\(other.name)"] = try await expectOneLink(lab, from: host, to: other, addresses: addresses(of: other))
                }
            }
            try await Task.sleep(for: .seconds(6))  // three maintenance rounds
            for host in hosts {
                for other in hosts where other != host {
                    let now = try await expectOneLink(lab, from: host, to: other, addresses: addresses(of: other))
                    #expect(now == first["\(host.name)-\(other.name)"], "\(host.name)'s link to \(other.name) was not replaced")
                }
                let listed = try await lab.peers(of: host)
                #expect(listed.count == 2 && Set(listed.map(\.name)).count == 2 && listed.allSatisfy(\.online), "\(host.name) lists each colleague once: \(listed)")
            }

            // Messages exactly once, each way.
            let watches = try await [lab.watch(hosts[1]), lab.watch(hosts[0])]
            for index in 1...5 {
                try await lab.cli(hosts[0], ["send", "Bob", "dual \(index) to Bob"])
                try await lab.cli(hosts[1], ["send", "Alice", "dual \(index) to Alice"])
            }
            for (watch, to) in zip(watches, ["Bob", "Alice"]) {
                try await watch.wait(for: "five messages to \(to)") { _ in
                    Set(watch.incomingMessages().compactMap(\.text).filter { $0.hasPrefix("dual ") }).count == 5
                }
            }
            try await Task.sleep(for: .seconds(1))
            for (watch, to) in zip(watches, ["Bob", "Alice"]) {
                let texts = watch.incomingMessages().compactMap(\.text).filter { $0.hasPrefix("dual ") }
                #expect(texts == (1...5).map { "dual \($0) to \(to)" }, "each once, in order")
            }
            let bobsHistory = try await lab.cli(hosts[1], ["history", "Alice", "--json"]).stdout
            #expect(bobsHistory.components(separatedBy: "dual 3 to Bob").count == 2, "one conversation, the message once: \(bobsHistory)")
        }
        print("MEASURED dual-stack lab test: \(started.duration(to: .now)) in all")
    }

    // MARK: Helpers

    /// Every form a colleague's address takes in `ss`: IPv4, IPv4 as a dual-stack socket shows it, both IPv6 addresses.
    func addresses(of host: LabHost) -> [String] {
        let last = host.address.split(separator: ".").last.map(String.init) ?? ""
        return ["\(host.address):", "[::ffff:\(host.address)]", "[fd00:231::\(last)]", "[\(host.linkLocal ?? "-")]"]
    }

    /// Asserts that `host`'s daemon holds exactly one established TCP
    /// connection to `other` (at any of `addresses`), as the kernel lists
    /// them (`ss`), and returns it (local and remote address and port).
    @discardableResult
    func expectOneLink(_ lab: MessengerLab, from host: LabHost, to other: LabHost, addresses: [String]) async throws -> String {
        guard let daemon = lab.daemon(host) else { throw MessengerLabError("no daemon on \(host.name)") }
        var links: [String] = []
        var listing = ""
        // A crossing dial's loser closes within moments of the handshake: wait for it, bounded.
        _ = try await poll(every: .milliseconds(200), for: .seconds(5)) {
            listing = try await lab.lab.run(on: host, ["ss", "-Htnp", "state", "established"]).stdout
            links = listing.split(separator: "\n").map(String.init).filter { line in
                line.contains("pid=\(daemon.pid),") && addresses.contains { line.contains($0) }
            }
            return links.count == 1
        }
        #expect(links.count == 1, "one TCP link from \(host.name)'s daemon to \(other.name): \(listing)")
        return links.first.map { $0.split(separator: " ").filter { $0.contains(":") && !$0.contains("users") }.joined(separator: " ") } ?? ""
    }

    func waitForDelivery(of text: String, from host: LabHost, in lab: MessengerLab) async throws {
        try await waitUntil("\"\(text)\" delivered", timeout: .seconds(15), every: .milliseconds(100)) {
            try await lab.cli(host, ["history", "Bob", "--json"]).stdout.split(separator: "\n")
                .contains { $0.contains(text) && $0.contains(#""delivery":"delivered""#) }
        }
    }

    func statusField(_ name: String, of host: LabHost, in lab: MessengerLab) async throws -> Int {
        let json = try await lab.cli(host, ["status", "--json"]).stdout
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], let value = object[name] as? Int else {
            throw MessengerLabError("no \"\(name)\" in \(json)")
        }
        return value
    }
}

extension MessengerLab {
    /// Opens a conversation window to `peer` on `host`'s local API (windows have no CLI command); returns its id.
    func openWindow(on host: LabHost, to peer: String) async throws -> Int {
        let json = try await api(on: host, "POST", "/v1/windows", #"{"peer":"\#(peer)"}"#)
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], let window = object["window"] as? Int else {
            throw MessengerLabError("no window in \(json)")
        }
        return window
    }

    /// Sends a detector signal ("focused", "keystroke", …) to a window.
    func signal(_ signal: String, window: Int, on host: LabHost) async throws {
        _ = try await api(on: host, "POST", "/v1/windows/\(window)/signals", #"{"signal":"\#(signal)"}"#)
    }

    /// One call on `host`'s local API with curl on its Unix socket.
    func api(on host: LabHost, _ method: String, _ path: String, _ body: String) async throws -> String {
        let socket = lab.runtimeDirectory(of: host) + "/natter/api.sock"
        let result = try await lab.run(
            on: host, ["curl", "-sS", "--fail-with-body", "--unix-socket", socket, "-X", method, "-H", "Content-Type: application/json", "-d", body,
                       "http://localhost\(path)"])
        guard result.status == 0 else { throw MessengerLabError("\(method) \(path) on \(host.name): \(result.stdout) \(result.stderr)") }
        return result.stdout
    }
}
