import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

@Suite("Daemon session states: windows, privacy, presence, the event stream")
struct NatterDaemonStatesTests {
    let office = Office()

    /// Opens a focused conversation window at `from` with `peer`.
    func openWindow(_ from: TestPeer, with peer: String) async throws -> UInt32 {
        let window = try await from.call("POST", "/v1/windows", OpenWindowRequest(peer: peer), as: WindowView.self)
        _ = try await from.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .focused), as: EmptyReply.self)
        return window.window
    }

    func signal(_ from: TestPeer, _ signal: DetectorSignal, window: UInt32) async throws {
        _ = try await from.call("POST", "/v1/windows/\(window)/signals", SignalRequest(signal: signal), as: EmptyReply.self)
    }

    @Test func typingPausedAndTheMessageReachTheColleaguesStreamInOrder() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let window = try await openWindow(alice, with: "Bob")
        let mark = await bob.events.mark
        try await signal(alice, .keystroke, window: window)
        guard case .state(let typing)? = await bob.events.first(after: mark, where: { $0.isState(.typing, of: "Alice") }) else {
            Issue.record("Bob never saw Alice typing")
            return
        }
        #expect(typing.text == "Alice is typing…")
        #expect(try await bob.call("GET", "/v1/peers", as: [PeerView].self).first?.state == .typing)

        // Five quiet seconds on the clock: paused.
        await office.clock.waitForSleepers(3)
        office.clock.advance(by: SessionStateTimings().pausedTyping)
        #expect(await bob.events.first(after: mark) { $0.isState(.pausedTyping, of: "Alice") } != nil)

        // The message clears the indicator at once.
        let beforeSend = await bob.events.mark
        _ = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "done"), as: MessageView.self)
        try await signal(alice, .messageSent, window: window)
        await bob.events.expectEvent(after: beforeSend) { $0.isMessage("done") }
        #expect(await bob.events.first(after: beforeSend) { $0.isState(.active, of: "Alice") } != nil)
        await alice.stop(); await bob.stop()
    }

    @Test func privacyOffForOneColleagueSendsThemNothingAndOthersStillSee() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob"), carol = try office.peer("Carol")
        await office.link(alice, bob)
        await office.link(alice, carol)
        let status = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: false, peer: "Bob"), as: StatusView.self)
        #expect(status.shareState, "the global switch is untouched")
        let bobsView = try await alice.call("GET", "/v1/peers", as: [PeerView].self).first { $0.name == "Bob" }
        #expect(bobsView?.shareState == false)

        let toBob = try await openWindow(alice, with: "Bob"), toCarol = try await openWindow(alice, with: "Carol")
        let carolMark = await carol.events.mark
        try await signal(alice, .keystroke, window: toBob)
        try await signal(alice, .keystroke, window: toCarol)
        #expect(await carol.events.first(after: carolMark) { $0.isState(.typing, of: "Alice") } != nil)
        let statesToBob = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter {
            if case .state = $0 { true } else { false }
        }
        #expect(statesToBob.isEmpty, "no detection, no event for Bob: \(statesToBob)")

        // The global switch off: Carol's typing is withdrawn too, then nothing.
        _ = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: false, peer: nil), as: StatusView.self)
        #expect(await carol.events.first(after: carolMark) { $0.isState(.active, of: "Alice") } != nil)
        let sentBefore = office.network.frames(from: alice.fingerprint, to: carol.fingerprint).count
        try await signal(alice, .keystroke, window: toCarol)
        try await signal(alice, .inputCleared, window: toCarol)
        #expect(office.network.frames(from: alice.fingerprint, to: carol.fingerprint).count == sentBefore)
        await alice.stop(); await bob.stop(); await carol.stop()
    }

    @Test func aColleagueWhoGoesOfflineHasNoSessionStateLeft() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let window = try await openWindow(alice, with: "Bob")
        let mark = await bob.events.mark
        try await signal(alice, .keystroke, window: window)
        await bob.events.expectEvent(after: mark) { $0.isState(.typing, of: "Alice") }
        office.network.disconnect(alice.fingerprint, bob.fingerprint)
        #expect(await bob.events.first(after: mark) { $0.isState(.active, of: "Alice") } != nil, "a lost link clears the state at once")
        #expect(await bob.events.first(after: mark) { $0.isOffline("Alice") } != nil)
        let alicesView = try await bob.call("GET", "/v1/peers", as: [PeerView].self).first
        #expect(alicesView?.online == false && alicesView?.status == nil && alicesView?.state == .active)
        await alice.stop(); await bob.stop()
    }

    @Test func presenceIsSetPublishedAndKeptAcrossARestart() async throws {
        let identity = DeviceIdentity()
        let published = PublishedStatuses()
        let alice = try TestPeer(name: "Alice", on: office.network, clock: office.clock, identity: identity, presenceChanged: { published.add($0) })
        let status = try await alice.call("POST", "/v1/status", PresenceRequest(status: .busy), as: StatusView.self)
        #expect(status.status == .busy && status.tcpPort == 47_100 && status.udpPort == 47_101)
        #expect(published.all == [.busy], "discovery republishes the record")
        await #expect(throws: APICallError.self) {
            _ = try await alice.call("POST", "/v1/status", ["status": "asleep"], as: StatusView.self)
        }
        await alice.stop()
        let again = try office.peer("Alice", identity: identity, directory: alice.directory)
        #expect(try await again.call("GET", "/v1/status", as: StatusView.self).status == .busy)
        #expect(try NatterDaemon.storedPresence(in: MessageStore(path: alice.directory + "/messages.sqlite")) == .busy, "what mDNS publishes at start")
        await again.stop()
    }

    @Test func aWindowMaySendOnlyFrontEndSignals() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let window = try await openWindow(alice, with: "Bob")
        for signal in [DetectorSignal.opened, .messageReceived] {
            await #expect(throws: APICallError.self) { try await self.signal(alice, signal, window: window) }
        }
        await #expect(throws: APICallError(status: 404, message: "there is no open window 99; open one with POST /v1/windows")) {
            try await self.signal(alice, .keystroke, window: 99)
        }
        await alice.stop(); await bob.stop()
    }
}

import Synchronization

/// What the daemon asked discovery to publish.
final class PublishedStatuses: Sendable {
    private let statuses = Mutex<[PresenceStatus]>([])
    func add(_ status: PresenceStatus) { statuses.withLock { $0.append(status) } }
    var all: [PresenceStatus] { statuses.withLock { $0 } }
}
