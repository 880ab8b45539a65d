import NatterAPI
import NatterCore
import NatterDiscovery
@testable import NatterNode
import NatterTesting
import Synchronization
import Testing

/// Sightings from several sources, and the way from a sighting to a link:
/// direct first, a forwarder's relay when the direct dial fails.
@Suite("Daemon discovery: merged sources, direct first, relay last")
struct NatterDaemonDiscoveryTests {
    let office = Office()

    func sighting(of peer: TestPeer, relayable: Bool) -> DiscoveryEvent {
        .appeared(
            DiscoveredPeer(
                key: .device(peer.fingerprint), displayName: peer.name, status: .available, addresses: ["memory:\(peer.name)"],
                tcpPort: 1, relayable: relayable))
    }

    @Test func aColleagueWhoCannotBeDialledDirectlyIsReachedThroughTheRelay() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        office.network.blockDirect(alice.fingerprint, bob.fingerprint)
        let mark = await alice.events.mark
        await alice.daemon.discovery(sighting(of: bob, relayable: true), from: "forwarder")
        let online = await alice.events.first(after: mark) { $0.isOnline("Bob") }
        guard case .peer(let view)? = online else { Issue.record("Bob never came online"); return }
        #expect(view.link == .relayed)
        #expect(office.network.dials == ["memory:Bob"], "one direct dial first")
        #expect(office.network.relaysAsked.map(\.to) == [bob.fingerprint])
        let peers = try await alice.call("GET", "/v1/peers", as: [PeerView].self)
        #expect(peers.first { $0.name == "Bob" }?.link == .relayed)
        await alice.stop(); await bob.stop()
    }

    /// mDNS resolvers close once they answer, so a colleague who restarted on
    /// another port within the goodbye's second is still seen at the old one:
    /// a failed direct dial asks discovery to look again (Docs/protocol.md §3).
    @Test func aFailedDirectDialAsksDiscoveryToResolveTheColleagueAgain() async throws {
        let asked = Mutex<[DeviceFingerprint]>([])
        let alice = try TestPeer(
            name: "Alice", on: office.network, clock: office.clock, resolveAgain: { peer in asked.withLock { $0.append(peer) } })
        let bob = try office.peer("Bob")
        office.network.blockDirect(alice.fingerprint, bob.fingerprint)
        await alice.daemon.discovery(sighting(of: bob, relayable: false), from: "mDNS")
        #expect(await eventually { asked.withLock { $0 } == [bob.fingerprint] }, "one look again per failed dial")
        #expect(office.network.dials == ["memory:Bob"])
        await alice.stop(); await bob.stop()
    }

    @Test func aColleagueOnTheSameSubnetIsDialledDirectlyForwarderOrNot() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        let mark = await alice.events.mark
        await alice.daemon.discovery(sighting(of: bob, relayable: false), from: "mDNS")
        await alice.daemon.discovery(sighting(of: bob, relayable: true), from: "forwarder")
        let online = await alice.events.first(after: mark) { $0.isOnline("Bob") }
        guard case .peer(let view)? = online else { Issue.record("Bob never came online"); return }
        #expect(view.link == .direct)
        #expect(office.network.relaysAsked.isEmpty)
        await alice.stop(); await bob.stop()
    }

    @Test func aDialIsBoundToTheDeviceDiscoveryAnnouncedAndLinksToNoOther() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob"), carol = try office.peer("Carol")
        // A stale record: Bob's fingerprint at the address Carol holds now.
        let stale = DiscoveredPeer(key: .device(bob.fingerprint), displayName: "Bob", addresses: ["memory:Carol"], tcpPort: 1)
        await alice.daemon.discovery(.appeared(stale), from: "mDNS")
        #expect(await eventually { office.network.dials == ["memory:Carol"] })
        #expect(office.network.dialledDevices == [bob.fingerprint], "bound to the device the record named")
        let peers = try await alice.call("GET", "/v1/peers", as: [PeerView].self)
        #expect(!peers.contains { $0.name == "Carol" && $0.online }, "Carol's answer to a dial meant for Bob is no link")
        // A static peer (an address, no device): the dial is unbound and links to whoever is there.
        let mark = await alice.events.mark
        let address = try StaticPeer(parsing: "[memory:Carol]:1")
        await alice.daemon.discovery(.appeared(DiscoveredPeer(key: .endpoint(address), addresses: ["memory:Carol"], tcpPort: 1)), from: "static")
        #expect(await alice.events.first(after: mark) { $0.isOnline("Carol") } != nil)
        #expect(office.network.dialledDevices.last == .some(nil))
        await alice.stop(); await bob.stop(); await carol.stop()
    }

    @Test func aColleagueStaysSightedWhileAnySourceStillSeesThem() {
        var merger = SightingMerger()
        let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0x42, count: 32))
        let viaMDNS = DiscoveredPeer(key: .device(bob), displayName: "Bob", addresses: ["10.0.1.5"], tcpPort: 7300)
        let viaForwarder = DiscoveredPeer(key: .device(bob), displayName: "Bob", addresses: ["10.0.9.5", "10.0.1.5"], tcpPort: 7300, relayable: true)
        #expect(merger.apply(.appeared(viaForwarder), from: "forwarder") == .appeared(viaForwarder))
        guard case .updated(let merged)? = merger.apply(.appeared(viaMDNS), from: "mDNS") else {
            Issue.record("the second source adds to the sighting")
            return
        }
        #expect(merged.addresses == ["10.0.1.5", "10.0.9.5"] && merged.relayable, "direct addresses first")
        guard case .updated(let afterForwarder)? = merger.apply(.disappeared(.device(bob)), from: "forwarder") else {
            Issue.record("the forwarder going away is an update, not a disappearance")
            return
        }
        #expect(afterForwarder == viaMDNS)
        #expect(merger.apply(.disappeared(.device(bob)), from: "forwarder") == nil, "nothing left from that source")
        #expect(merger.apply(.disappeared(.device(bob)), from: "mDNS") == .disappeared(.device(bob)))
    }
}
