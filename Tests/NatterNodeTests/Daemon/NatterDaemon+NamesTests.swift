import Logging
import NatterAPI
import NatterCore
import NatterDiscovery
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// Names are claims, fingerprints are identities (issue 16, item 2): an
/// impostor under a colleague's name is a conflict, not a second colleague.
@Suite("Daemon names: conflicts, own name, discovery names, forget")
struct NatterDaemonNamesTests {
    let office = Office()

    /// Alice and Bob linked; Mallory, another member, runs natter under the name "Bob".
    func aliceBobAndMallory() async throws -> (alice: TestPeer, bob: TestPeer, mallory: TestPeer) {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let mallory = try office.peer("Bob")
        return (alice, bob, mallory)
    }

    /// Mallory links to `victim` and is refused: waits until the victim
    /// closed it (Mallory, who admits the victim, sees them go).
    func impostorTries(_ mallory: TestPeer, _ victim: TestPeer) async {
        let mark = await mallory.events.mark
        office.network.connect(victim.fingerprint, mallory.fingerprint)
        #expect(await mallory.events.first(after: mark) { $0.isOffline(victim.name) } != nil, "\(victim.name) closed the link")
    }

    @Test func anImpostorIsOneConflictWhileTheNameKeepsMeaningThePinnedDevice() async throws {
        let (alice, bob, mallory) = try await aliceBobAndMallory()
        let mark = await alice.events.mark
        for _ in 0..<5 { await impostorTries(mallory, alice) }

        let peers = try await alice.call("GET", "/v1/peers", as: [PeerView].self)
        #expect(peers.map(\.fingerprint) == [bob.fingerprint.compact], "one Bob")
        let conflicts = try await alice.call("GET", "/v1/conflicts", as: [ConflictView].self)
        let expected = ConflictView(
            name: "Bob", fingerprint: mallory.fingerprint.compact, fingerprintGroups: mallory.fingerprint.description,
            pinned: bob.fingerprint.compact, pinnedGroups: bob.fingerprint.description, ownName: false, refusals: 5,
            resolve: ["natter trust 'Bob'", "natter forget \(mallory.fingerprint.compact.prefix(12))"])
        #expect(conflicts == [expected])
        #expect(await alice.events.first(after: mark) { if case .conflict = $0 { true } else { false } } != nil, "a conflict event")
        let conflictEvents = await alice.events.count(after: mark) { if case .conflict = $0 { true } else { false } }
        #expect(conflictEvents == 1, "one event per conflict, not per reconnect")

        let critical = alice.log.messages(atLeast: .critical)
        #expect(critical.count == 1, "one critical line for five refusals: \(critical)")
        #expect(critical.first.map { $0.contains(bob.fingerprint.description) && $0.contains(mallory.fingerprint.description) } == true)
        #expect(critical.first?.contains("natter forget \(mallory.fingerprint.compact.prefix(12))") == true)

        let sent = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "for the real Bob"), as: MessageView.self)
        #expect(sent.peer == bob.fingerprint.compact)
        #expect(await bob.events.first { $0.isMessage("for the real Bob") } != nil)
        let history = try await alice.call("GET", "/v1/messages?peer=Bob", as: [MessageView].self)
        #expect(history.map(\.text) == ["for the real Bob"])
        await alice.stop(); await bob.stop(); await mallory.stop()
    }

    @Test func theCountIsLoggedAtMostOncePerIntervalWhileTheImpostorKeepsComingBack() async throws {
        let (alice, bob, mallory) = try await aliceBobAndMallory()
        for _ in 0..<3 { await impostorTries(mallory, alice) }
        #expect(!alice.log.hasLine(containing: "still refusing", atLeast: .warning), "nothing but the first line yet")
        office.clock.advance(by: NodeConstants.conflictSummaryInterval)
        await impostorTries(mallory, alice)
        await impostorTries(mallory, alice)
        let summaries = alice.log.messages(atLeast: .warning).filter { $0.contains("still refusing") }
        #expect(summaries == ["still refusing \"Bob\" from \(mallory.fingerprint): 3 more times in the last 10 min; see natter peers"])
        #expect(alice.log.messages(atLeast: .critical).count == 1)
        await alice.stop(); await bob.stop(); await mallory.stop()
    }

    @Test func aDeviceClaimingThisUsersOwnNameIsRefusedNotPinned() async throws {
        let (alice, bob, mallory) = try await aliceBobAndMallory()
        // Each refuses the other (each holds the name as its own): wait for Bob's conflict.
        let mark = await bob.events.mark
        office.network.connect(bob.fingerprint, mallory.fingerprint)
        #expect(await bob.events.first(after: mark) { if case .conflict = $0 { true } else { false } } != nil)
        #expect(PinStore(directory: bob.directory).all == ["Alice": alice.fingerprint], "Bob pins nobody under his own name")
        let conflicts = try await bob.call("GET", "/v1/conflicts", as: [ConflictView].self)
        #expect(conflicts.map(\.fingerprint) == [mallory.fingerprint.compact])
        #expect(conflicts.first?.ownName == true && conflicts.first?.pinned == bob.fingerprint.compact)
        #expect(conflicts.first?.resolve == ["natter forget \(mallory.fingerprint.compact.prefix(12))"], "nothing to trust")
        #expect(try await bob.call("GET", "/v1/peers", as: [PeerView].self).map(\.name) == ["Alice"])
        #expect(bob.log.messages(atLeast: .critical).count == 1)
        await alice.stop(); await bob.stop(); await mallory.stop()
    }

    @Test func aNameFromDiscoveryIsCheckedAgainstThePins() async throws {
        let (alice, bob, mallory) = try await aliceBobAndMallory()
        let record = DiscoveredPeer(
            key: .device(mallory.fingerprint), displayName: "bob", status: .available, addresses: ["memory:nowhere"], tcpPort: 1,
            relayable: false)
        await alice.daemon.discovery(.appeared(record), from: "mDNS")
        #expect(try await alice.call("GET", "/v1/peers", as: [PeerView].self).map(\.fingerprint) == [bob.fingerprint.compact])
        #expect(try await alice.call("GET", "/v1/conflicts", as: [ConflictView].self).map(\.fingerprint) == [mallory.fingerprint.compact])
        #expect(PinStore(directory: alice.directory).all == ["Bob": bob.fingerprint], "a record pins nothing")
        #expect(alice.log.messages(atLeast: .critical).first?.contains("discovery record, from mDNS") == true)
        let sent = try await alice.call("POST", "/v1/messages", SendRequest(peer: "bob", text: "hi"), as: MessageView.self)
        #expect(sent.peer == bob.fingerprint.compact)
        await alice.stop(); await bob.stop(); await mallory.stop()
    }

    @Test func forgetRemovesAnImpostorForGoodAndAColleagueKeepingHistoryUnlessAsked() async throws {
        let (alice, bob, mallory) = try await aliceBobAndMallory()
        await impostorTries(mallory, alice)
        await mallory.stop()
        let prefix = String(mallory.fingerprint.compact.prefix(12))
        let forgotten = try await alice.call("POST", "/v1/forget", ForgetRequest(peer: prefix), as: ForgetView.self)
        #expect(forgotten == ForgetView(fingerprint: mallory.fingerprint.compact, name: "Bob", conflict: true, messagesDeleted: 0))
        #expect(try await alice.call("GET", "/v1/conflicts", as: [ConflictView].self).isEmpty)
        let store = await alice.daemon.store
        #expect(try store.knownPeers().map(\.fingerprint) == [bob.fingerprint], "gone from the store")
        #expect(PinStore(directory: alice.directory).refused.isEmpty)

        // Restarted, nothing of Mallory comes back.
        await office.unlink(alice, bob)
        await alice.stop()
        let restarted = try office.peer("Alice", identity: alice.identity, directory: alice.directory)
        #expect(try await restarted.call("GET", "/v1/conflicts", as: [ConflictView].self).isEmpty)

        // A colleague: the pin goes, the history stays unless asked.
        await office.link(restarted, bob)
        _ = try await restarted.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "kept"), as: MessageView.self)
        let kept = try await restarted.call("POST", "/v1/forget", ForgetRequest(peer: "Bob"), as: ForgetView.self)
        #expect(kept.conflict == false && kept.messagesDeleted == 0)
        #expect(PinStore(directory: restarted.directory).all.isEmpty)
        #expect(try await restarted.daemon.store.history(with: bob.fingerprint, limit: 10).map(\.text) == ["kept"])
        await #expect(throws: APICallError.self) { _ = try await restarted.call("POST", "/v1/forget", ForgetRequest(peer: "Bob"), as: ForgetView.self) }
        await restarted.stop(); await bob.stop()
    }

    @Test func forgetWithHistoryDeletesTheMessagesToo() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        _ = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "one"), as: MessageView.self)
        _ = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "two"), as: MessageView.self)
        let gone = try await alice.call("POST", "/v1/forget", ForgetRequest(peer: "Bob", history: true), as: ForgetView.self)
        #expect(gone.messagesDeleted == 2)
        #expect(try await alice.daemon.store.history(with: bob.fingerprint, limit: 10).isEmpty)
        await alice.stop(); await bob.stop()
    }

    @Test func aReplacementLinkClaimingAnotherPinnedNameIsRefused() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob"), carol = try office.peer("Carol")
        await office.link(alice, bob)
        await office.link(alice, carol)
        let mark = await alice.events.mark
        // Bob's device reconnects before the old link's death is noticed, now calling itself Carol.
        office.network.replaceLink(alice.fingerprint, bob.fingerprint, claiming: "Carol")
        #expect(await alice.events.first(after: mark) { $0.isOffline("Bob") } != nil, "the link was closed")
        #expect(alice.log.messages(atLeast: .critical).first?.contains("\"Carol\" presented a different device key") == true)
        #expect(PinStore(directory: alice.directory).all == ["Bob": bob.fingerprint, "Carol": carol.fingerprint])
        #expect(try await alice.call("GET", "/v1/peers", as: [PeerView].self).map(\.name).sorted() == ["Bob", "Carol"])
        await alice.stop(); await bob.stop(); await carol.stop()
    }
}
