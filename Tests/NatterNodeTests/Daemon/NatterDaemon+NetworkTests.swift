import Logging
import NatterAPI
import NatterCore
import NatterDiscovery
@testable import NatterNode
import NatterTesting
import NatterWire
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
    /// Bob's mDNS sighting, so she can dial him again. Returns once each
    /// shows the other online: Bob learns of Alice from her hello, which can
    /// arrive after Alice already shows him.
    func pair(_ sensor: TestNetworkSensor) async throws -> (alice: TestPeer, bob: TestPeer) {
        let alice = try TestPeer(name: "Alice", on: office.network, clock: office.clock, network: sensor)
        let bob = try office.peer("Bob")
        let mark = await alice.events.mark, bobMark = await bob.events.mark
        await alice.daemon.discovery(
            .appeared(DiscoveredPeer(key: .device(bob.fingerprint), displayName: "Bob", status: .available, addresses: ["memory:Bob"], tcpPort: 1)),
            from: "mDNS")
        try #require(await alice.events.first(after: mark) { $0.isOnline("Bob") } != nil, "Alice links to Bob")
        try #require(await bob.events.first(after: bobMark) { $0.isOnline("Alice") } != nil, "Bob sees Alice's hello")
        return (alice, bob)
    }

    /// `from` types to `to` (who sees it), then sends `text`, which the network loses.
    func typeAndLoseAMessage(from: TestPeer, to: TestPeer, text: String) async throws {
        let window = try await from.call("POST", "/v1/windows", OpenWindowRequest(peer: to.name), as: WindowView.self).window
        let mark = await to.events.mark
        _ = try await from.call("POST", "/v1/windows/\(window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        await to.events.expectEvent(after: mark) { $0.isState(.typing, of: from.name) }
        office.network.impair(from: from.fingerprint, to: to.fingerprint, .dropChats(count: 1))
        _ = try await from.call("POST", "/v1/messages", SendRequest(peer: to.name, text: text), as: MessageView.self)
    }

    @Test func afterASleepTheLinksAreDroppedStatesClearedTheColleagueDialledAtOnceAndTheOutboxSent() async throws {
        let (alice, bob) = try await pair(TestNetworkSensor(["memory:Alice"]))
        // Bob is typing to Alice when she falls asleep, and his message is
        // lost on the old link, as on a link to a sleeping machine.
        try await typeAndLoseAMessage(from: bob, to: alice, text: "while you slept")
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
        #expect(await alice.events.first(after: mark) { $0.isState(.active, of: "Bob") } != nil,
            "the typing shown before the sleep is cleared with the dropped link, not left stale (Bob's window may say it again on the new one)")
        let bobSeen = try await alice.call("GET", "/v1/peers", as: [PeerView].self).first { $0.name == "Bob" }
        #expect(bobSeen?.online == true)
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

    /// What went on a replaced link may be lost (a dead link; the loser of
    /// two crossing dials, which the colleague closes unread): the
    /// replacement carries the unacknowledged messages and this user's
    /// current states at once, not at the resend round or the next refresh.
    @Test func aReplacementLinkCarriesTheOutboxAndTheCurrentStatesAtOnce() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        try await typeAndLoseAMessage(from: alice, to: bob, text: "lost on the old link")
        let statesBefore = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isState).count

        let replaced = await bob.events.mark
        office.network.replaceLink(alice.fingerprint, bob.fingerprint, claiming: "Bob")
        #expect(await bob.events.first(after: replaced) { $0.isMessage("lost on the old link") } != nil, "sent again at once, no clock advanced")
        // Bob may show the message before Alice's daemon, in the same turn, sends the state: wait for it (a watchdog, not a sleep).
        let sent = { office.network.frames(from: alice.fingerprint, to: bob.fingerprint) }
        let watchdog = ContinuousClock.now + EventRecorder.patience
        while sent().filter(\.isState).count <= statesBefore && ContinuousClock.now < watchdog { await Task.yield() }
        let frames = sent()
        #expect(frames.filter(\.isState).count == statesBefore + 1, "the current state once more: \(frames)")
        #expect(frames.last.map { if case .state(_, .typing, _) = $0 { true } else { false } } == true, "typing, as the window shows")
        await alice.stop(); await bob.stop()
    }

    /// Docs/protocol.md §5.9: the features frame goes on every link, a
    /// replacement's too — the peer keeps what a link announced with that
    /// link (the UDP echo, §6.5), so without it `natter doctor` found a
    /// colleague "too old" after two crossing dials.
    @Test func aReplacementLinkAnnouncesTheFeaturesAgain() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let announced = { office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter { $0 == .features(.supported) }.count }
        // Alice's daemon sends it in the turn that announced Bob online: wait for it (a watchdog, not a sleep).
        func waitUntil(_ count: Int) async {
            let watchdog = ContinuousClock.now + EventRecorder.patience
            while announced() < count && ContinuousClock.now < watchdog { await Task.yield() }
        }
        await waitUntil(1)
        #expect(announced() == 1, "the first link's")
        office.network.replaceLink(alice.fingerprint, bob.fingerprint, claiming: "Bob")
        await waitUntil(2)
        #expect(announced() == 2, "once per link: the replacement's too")
        await alice.stop(); await bob.stop()
    }
}

extension Frame {
    var isState: Bool {
        if case .state = self { true } else { false }
    }
}
