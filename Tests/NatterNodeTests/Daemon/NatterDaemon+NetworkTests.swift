import Logging
import NatterAPI
import NatterCore
import NatterDiscovery
@testable import NatterNode
import NatterTesting
import Testing

/// Issue 14 items 2 and 3, what the daemon does about them: after a sleep
/// (a maintenance round far too late) or the loss of its address it drops
/// its links, shows the colleagues offline with their states cleared,
/// dials everyone at once and sends what waited. Real daemons on a memory
/// network, a test clock and a test network sensor; the lab test
/// (`NetworkChangeLabTests`) does the same with real daemons and SIGSTOP.
@Suite("Daemon network changes: resume and address loss")
struct NatterDaemonNetworkTests {
    let office = Office()

    /// Alice watches her network through `sensor`; Bob does not. Alice has
    /// Bob's mDNS sighting, so she can dial him again.
    func pair(_ sensor: TestNetworkSensor) async throws -> (alice: TestPeer, bob: TestPeer) {
        let alice = try TestPeer(name: "Alice", on: office.network, clock: office.clock, network: sensor)
        let bob = try office.peer("Bob")
        let mark = await alice.events.mark
        await alice.daemon.discovery(
            .appeared(DiscoveredPeer(key: .device(bob.fingerprint), displayName: "Bob", status: .available, addresses: ["memory:Bob"], tcpPort: 1)),
            from: "mDNS")
        _ = await alice.events.first(after: mark) { $0.isOnline("Bob") }
        return (alice, bob)
    }

    @Test func afterASleepTheLinksAreDroppedStatesClearedTheColleagueDialledAtOnceAndTheOutboxSent() async throws {
        let (alice, bob) = try await pair(TestNetworkSensor(["memory:Alice"]))
        // Bob is typing to Alice when she falls asleep.
        let window = try await bob.call("POST", "/v1/windows", OpenWindowRequest(peer: "Alice"), as: WindowView.self).window
        let typingMark = await alice.events.mark
        _ = try await bob.call("POST", "/v1/windows/\(window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        _ = await alice.events.first(after: typingMark) { $0.isState(.typing, of: "Bob") }
        // Bob's message is lost on the old link, as on a link to a sleeping machine.
        office.network.impair(from: bob.fingerprint, to: alice.fingerprint, .dropChats(count: 1))
        _ = try await bob.call("POST", "/v1/messages", SendRequest(peer: "Alice", text: "while you slept"), as: MessageView.self)
        let dialsBefore = office.network.dials.count

        let mark = await alice.events.mark, bobMark = await bob.events.mark
        await office.clock.waitForSleepers(2)
        office.clock.advance(by: .seconds(90))  // one maintenance round, 90 s after the last
        #expect(await alice.events.first(after: mark) { $0.isOffline("Bob") } != nil, "the dropped link takes Bob offline")
        #expect(await alice.events.first(after: mark) { $0.isOnline("Bob") } != nil, "and the dial brings him back")
        #expect(await alice.events.first(after: mark) { $0.isMessage("while you slept") } != nil, "Bob's outbox went out on the new link")
        #expect(await bob.events.first(after: bobMark) { $0.isOnline("Alice") } != nil)
        #expect(office.network.dials.count == dialsBefore + 1, "one dial, at once: \(office.network.dials)")
        #expect(alice.log.hasLine(containing: "resumed after 90 s asleep; linking again", atLeast: .notice))
        let bobSeen = try await alice.call("GET", "/v1/peers", as: [PeerView].self).first { $0.name == "Bob" }
        #expect(bobSeen?.online == true)
        #expect(bobSeen?.state != .typing, "the state shown before the sleep is gone, not stale")
        await alice.stop(); await bob.stop()
    }

    @Test func losingTheAddressDropsTheLinksFromItAndDialsAgainWhileAGainedOneDropsNothing() async throws {
        let sensor = TestNetworkSensor(["memory:Alice"])
        let (alice, bob) = try await pair(sensor)
        await office.clock.waitForSleepers(2)
        sensor.set(["memory:Alice", "10.231.5.11"])  // a second interface appears
        var mark = await alice.events.mark
        office.clock.advance(by: NodeConstants.maintenanceInterval)
        await office.clock.waitForSleepers(2)
        #expect(await alice.events.count(after: mark) { $0.isOffline("Bob") } == 0, "a new address leaves the links alone")

        mark = await alice.events.mark
        sensor.set(["10.231.5.11"])  // the address the link to Bob runs from is gone
        office.clock.advance(by: NodeConstants.maintenanceInterval)
        #expect(await alice.events.first(after: mark) { $0.isOffline("Bob") } != nil)
        #expect(await alice.events.first(after: mark) { $0.isOnline("Bob") } != nil, "dialled again at once")
        #expect(alice.log.hasLine(containing: "this machine lost addresses; linking again", atLeast: .notice))
        await alice.stop(); await bob.stop()
    }
}
