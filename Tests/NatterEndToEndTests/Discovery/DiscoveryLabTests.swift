import Foundation
import LabSupport
import NatterWire
import Synchronization
import Testing

/// Discovery through each host's own avahi-daemon, seen through the real
/// daemon and `natter peers --json`.
@Suite("Discovery on lab hosts", .enabled(if: LabGate.isAvailable), .serialized)
struct DiscoveryLabTests {
    @Test func teamMatesFindEachOtherAndAnotherTeamIsNeverListed() async throws {
        try await withMessengerLab(["Alice", "Bob", "Carol"], teams: [0, 0, 1]) { lab in
            let (alice, bob, carol) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            // Give Carol's record time to be seen (Avahi's own publish→browse is ~1 s).
            try await Task.sleep(for: .seconds(2))
            #expect(try await lab.peers(of: alice).map(\.name) == ["Bob"])
            #expect(try await lab.peers(of: bob).map(\.name) == ["Alice"])
            #expect(try await lab.peers(of: carol).isEmpty)
            // Carol's daemon saw the others' records and skipped them by team tag.
            #expect(lab.daemon(carol)?.output().contains("ignored an mDNS record") == true)
        }
    }

    @Test func aStatusChangePropagatesInPlace() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            #expect(try await lab.peers(of: bob).first?.status == "available")
            try await lab.cli(alice, ["status", "busy"])
            try await waitUntil("Bob to see Alice busy", timeout: .seconds(10)) { try await lab.peers(of: bob).first?.status == "busy" }
            try await lab.cli(alice, ["status", "away"])
            try await waitUntil("Bob to see Alice away", timeout: .seconds(10)) { try await lab.peers(of: bob).first?.status == "away" }
        }
    }

    @Test func aCleanExitDisappearsWithinTwoSeconds() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let stopped = ContinuousClock.now
            try await lab.stopDaemon(alice)
            try await waitUntil("Alice to go offline on Bob's host", timeout: .seconds(2)) {
                try await lab.peers(of: bob).first { $0.name == "Alice" }?.online == false
            }
            let elapsed = ContinuousClock.now - stopped
            #expect(elapsed < .seconds(2), "gone after \(elapsed)")
            // And she comes back when she starts again.
            try await lab.startDaemon(alice)
            try await lab.waitUntilOnline(bob, sees: "Alice")
        }
    }

    @Test func afterAvahiRestartsBothHostsAreListedAgain() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            // Bob leaves, Alice's avahi-daemon dies and comes back; Bob returns.
            // They can only meet again if Alice's daemon re-registered and re-browsed.
            try await lab.stopDaemon(bob)
            try await lab.lab.avahi(on: alice, .stop)
            try await lab.daemon(alice)!.waitForLine(containing: "avahi-daemon is not running", timeout: .seconds(10))
            try await lab.lab.avahi(on: alice, .start)
            try await lab.daemon(alice)!.waitForLine(containing: "avahi-daemon is available again", timeout: .seconds(10))
            try await lab.startDaemon(bob)
            try await lab.waitUntilOnline(alice, sees: "Bob")
            try await lab.waitUntilOnline(bob, sees: "Alice")
            // Alice's record is on the network again, seen by Bob's own avahi.
            let browse = try await lab.lab.run(on: bob, ["avahi-browse", "-t", "-r", "-p", "_natter._tcp"], timeout: .seconds(15))
            #expect(browse.stdout.contains(alice.address), "avahi-browse on Bob's host:\n\(browse.stdout)")
        }
    }

    @Test func twentyHostsAllSeeEachOther() async throws {
        let names = (1...20).map { "Colleague\($0)" }
        let started = ContinuousClock.now
        try await withMessengerLab(names, onlineTimeout: .seconds(60)) { lab in
            for host in lab.hosts {
                let online = try await lab.peers(of: host).filter(\.online).count
                #expect(online == 19, "\(host.name) lists \(online) of 19 online")
            }
        }
        print("twenty hosts: lab, daemons and full mesh in \(ContinuousClock.now - started)")
    }

    @Test func recordsWithGarbageAreIgnoredAndNothingBreaks() async throws {
        try await withMessengerLab(["Alice", "Bob", "Junk"], teams: [0, 0, 0], startDaemons: false) { lab in
            let (alice, bob, junk) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            // Today's published team tag (Docs/protocol.md §2.1): what our team's records carry on the wire today.
            let team = try TeamCode.decode(try #require(lab.teamCodes.withLock { $0[0] }))
            let tag = team.subkeys.publishedTeamTag(epoch: UInt32(UInt64(Date().timeIntervalSince1970 * 1000) / 86_400_000))
            // Junk's host publishes broken natter records with avahi's own tool: one of
            // another shape, one claiming our team with a seal that does not open.
            _ = try await lab.lab.spawn(on: junk, ["avahi-publish", "-s", "natter-junk1", "_natter._tcp", "4000", "v=2", "t=zz", "garbage"])
            let keyed = String(repeating: "00", count: 16)
            _ = try await lab.lab.spawn(
                on: junk,
                ["avahi-publish", "-s", "natter-" + keyed.prefix(12), "_natter._tcp", "4001", "v=2", "t=\(tag)", "k=" + keyed, "s=AAAAAAAA"])
            try await lab.startDaemon(alice)
            try await lab.startDaemon(bob)
            try await lab.waitUntilOnline(alice, sees: "Bob")
            try await lab.waitUntilOnline(bob, sees: "Alice")
            try await lab.daemon(alice)!.waitForLine(containing: "ignored an mDNS record", timeout: .seconds(10))
            // The second one got past the team tag and the name check, to the seal.
            try await lab.daemon(alice)!.waitForLine(containing: "sealBroken", timeout: .seconds(10))
            #expect(try await lab.peers(of: alice).map(\.name) == ["Bob"])
            #expect(lab.daemon(alice)!.isRunning && lab.daemon(bob)!.isRunning)
        }
    }

    /// A stranger copies Alice's record, as it is on the wire, to another
    /// host under another instance name: members refuse it before any
    /// cryptography (the name is made from `k`, Docs/protocol.md §3).
    @Test func aRecordCopiedUnderAnotherNameIsRefused() async throws {
        try await withMessengerLab(["Alice", "Bob", "Copier"], teams: [0, 0, 0], startDaemons: false) { lab in
            let (alice, bob, copier) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            try await lab.startDaemon(alice)
            try await lab.startDaemon(bob)
            try await lab.waitUntilOnline(bob, sees: "Alice")
            // Alice's TXT strings as Copier's avahi resolves them ("=;…;port;"s=…" "k=…" …).
            let browse = try await lab.lab.run(on: copier, ["avahi-browse", "-t", "-r", "-p", "_natter._tcp"], timeout: .seconds(15))
            let line = try #require(browse.stdout.split(separator: "\n").first { $0.hasPrefix("=") && $0.contains(alice.address) }, "\(browse.stdout)")
            let txt = line.split(separator: ";").last!.split(separator: "\" \"").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            #expect(txt.contains { $0.hasPrefix("s=") } && txt.contains { $0.hasPrefix("k=") }, "\(line)")
            _ = try await lab.lab.spawn(on: copier, ["avahi-publish", "-s", "natter-c0ffeec0ffee", "_natter._tcp", "4000"] + txt)
            let refused = try await lab.daemon(bob)!.waitForLine(containing: "natter-c0ffeec0ffee", timeout: .seconds(10))
            #expect(refused.contains("ignored an mDNS record") && refused.contains("wrongInstance"), "\(refused)")
            #expect(try await lab.peers(of: bob).map(\.name) == ["Alice"])
        }
    }

    @Test func aServiceNameCollisionIsResolvedByRenaming() async throws {
        try await withMessengerLab(["Alice", "Bob", "Squatter"], startDaemons: false) { lab in
            let (alice, bob, squatter) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            // Learn the instance name Alice publishes, then let another host take it.
            let first = try await lab.startDaemon(alice)
            let published = try await first.waitForLine(containing: "published on mDNS", timeout: .seconds(10))
            let name = try #require(published.split(separator: " ").first { $0.hasPrefix("service=natter-") }?.dropFirst("service=".count))
            try await lab.stopDaemon(alice)
            let squat = try await lab.lab.spawn(on: squatter, ["avahi-publish", "-s", String(name), "_natter._tcp", "4000", "v=2"])
            try await squat.waitForLine(containing: "Established", timeout: .seconds(10))

            let daemon = try await lab.startDaemon(alice)
            try await lab.startDaemon(bob)
            try await daemon.waitForLine(containing: "mDNS name collision; renamed", timeout: .seconds(15))
            try await lab.waitUntilOnline(bob, sees: "Alice")
            try await lab.waitUntilOnline(alice, sees: "Bob")
        }
    }

    @Test func withoutAvahiOneClearErrorAndStaticPeersStillWork() async throws {
        try await withMessengerLab(["Alice", "Bob"], startDaemons: false) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            try await lab.lab.avahi(on: alice, .stop)
            try await lab.setNetwork(bob, tcpPort: 47_101)
            try await lab.setNetwork(alice, staticPeers: ["\(bob.address):47101"])
            let daemon = try await lab.startDaemon(alice)
            try await lab.startDaemon(bob)
            let line = try await daemon.waitForLine(containing: "avahi-daemon is not running", timeout: .seconds(10))
            #expect(line.contains("start it with: systemctl start avahi-daemon"))
            try await lab.waitUntilOnline(alice, sees: "Bob")
            try await lab.cli(alice, ["send", "Bob", "over a static peer"])
            let history = try await lab.cli(bob, ["history", "Alice", "--json"]).stdout
            #expect(history.contains("over a static peer"))
            #expect(daemon.output().components(separatedBy: "avahi-daemon is not running").count - 1 == 1, "said once, not on every retry")
        }
    }
}
