import Logging
import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

@Suite("Daemon trust: pins, a changed key, natter trust")
struct NatterDaemonTrustTests {
    let office = Office()

    @Test func aNewKeyUnderAPinnedNameIsRefusedThenTrustedAndReplacesTheOldDevice() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let aliceMark = await alice.events.mark
        let old = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "before"), as: MessageView.self)
        await alice.events.expectEvent(after: aliceMark) { $0.isDelivery(of: old.id) }
        await office.unlink(alice, bob)
        await bob.stop()

        // Bob reinstalled: same name, new key. Refused, loudly, with both fingerprints.
        let newBob = try office.peer("Bob")
        office.network.connect(alice.fingerprint, newBob.fingerprint)
        #expect(await newBob.events.first { $0.isOffline("Alice") } != nil, "Alice's daemon closed the link")
        let refusal = alice.log.messages(atLeast: .critical).filter { $0.contains("REFUSED") }
        #expect(refusal.count == 1)
        #expect(refusal.first?.contains(bob.fingerprint.description) == true && refusal.first?.contains(newBob.fingerprint.description) == true)
        let peers = try await alice.call("GET", "/v1/peers", as: [PeerView].self)
        #expect(peers.map(\.fingerprint) == [bob.fingerprint.compact], "the refused device is not a second Bob")

        // After comparing fingerprints in person: natter trust Bob.
        let trusted = try await alice.call("POST", "/v1/trust", TrustRequest(peer: "Bob"), as: TrustView.self)
        #expect(trusted == TrustView(name: "Bob", previous: bob.fingerprint.compact, trusted: newBob.fingerprint.compact))
        let afterTrust = try await alice.call("GET", "/v1/peers", as: [PeerView].self)
        #expect(afterTrust.map(\.fingerprint) == [newBob.fingerprint.compact], "one Bob: the new device")
        let history = try await alice.call("GET", "/v1/messages?peer=Bob", as: [MessageView].self)
        #expect(history.map(\.text) == ["before"], "the conversation moved to the new device")

        let mark = await newBob.events.mark
        office.network.connect(alice.fingerprint, newBob.fingerprint)
        await newBob.events.expectEvent(after: mark) { $0.isOnline("Alice") }
        _ = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "welcome back"), as: MessageView.self)
        #expect(await newBob.events.first(after: mark) { $0.isMessage("welcome back") } != nil)
        await alice.stop(); await newBob.stop()
    }

    @Test func trustWithoutARefusalOrForAnUnknownNameSaysWhy() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        await #expect(throws: APICallError(status: 404, message: DeviceTrustError.notPinned("Zed", pinnedNames: ["Bob"]).description)) {
            _ = try await alice.call("POST", "/v1/trust", TrustRequest(peer: "Zed"), as: TrustView.self)
        }
        await #expect(throws: APICallError(status: 409, message: DeviceTrustError.nothingRefused("Bob", pinned: bob.fingerprint).description)) {
            _ = try await alice.call("POST", "/v1/trust", TrustRequest(peer: "Bob"), as: TrustView.self)
        }
        await alice.stop(); await bob.stop()
    }

    @Test func aNameThatCouldRewriteThePinsFileIsRefused() async throws {
        let alice = try office.peer("Alice"), carol = try office.peer("Carol")
        await office.link(alice, carol)
        // A team member whose name carries a line break, their own fingerprint
        // and Carol's name: saved as is, it would repin Carol to Mallory.
        let malloryIdentity = DeviceIdentity()
        let mallory = try office.peer("M\n\(malloryIdentity.fingerprint.fullText) Carol", identity: malloryIdentity)
        office.network.connect(alice.fingerprint, mallory.fingerprint)
        _ = await mallory.events.first { $0.isOffline("Alice") }
        #expect(PinStore(directory: alice.directory).all == ["Carol": carol.fingerprint])
        #expect(alice.log.hasLine(containing: "cannot be shown or pinned", atLeast: .warning))
        await alice.stop(); await carol.stop(); await mallory.stop()
    }
}
