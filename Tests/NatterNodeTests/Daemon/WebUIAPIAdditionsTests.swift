import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// What the web UI added to the API (Docs/api.md): history paging with
/// `before`, the `language` in `StatusView`, a colleague's state line in `PeerView`.
@Suite("Daemon API additions for the web UI")
struct WebUIAPIAdditionsTests {
    let office = Office()

    @Test func historyPagesBackwardsFromAMessage() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        for text in ["one", "two", "three", "four", "five"] {
            _ = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: text), as: MessageView.self)
            office.clock.advance(by: .milliseconds(1))
        }
        let newest = try await alice.call("GET", "/v1/messages?peer=Bob&limit=2", as: [MessageView].self)
        #expect(newest.map(\.text) == ["four", "five"])
        let older = try await alice.call("GET", "/v1/messages?peer=Bob&limit=2&before=\(newest[0].id)", as: [MessageView].self)
        #expect(older.map(\.text) == ["two", "three"])
        let oldest = try await alice.call("GET", "/v1/messages?peer=Bob&limit=2&before=\(older[0].id)", as: [MessageView].self)
        #expect(oldest.map(\.text) == ["one"])
        await #expect(throws: APICallError.self) {
            try await alice.call("GET", "/v1/messages?peer=Bob&before=nothex", as: [MessageView].self)
        }
        await alice.stop(); await bob.stop()
    }

    @Test func statusSaysTheLanguageAndPeersCarryTheirStateLine() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        #expect(try await alice.call("GET", "/v1/status", as: StatusView.self).language == .english)
        let window = try await bob.call("POST", "/v1/windows", OpenWindowRequest(peer: "Alice"), as: WindowView.self)
        let mark = await alice.events.mark
        _ = try await bob.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        await alice.events.expectEvent(after: mark) { $0.isState(.typing, of: "Bob") }
        let typing = try await alice.call("GET", "/v1/peers", as: [PeerView].self).first { $0.name == "Bob" }
        #expect(typing?.state == .typing && typing?.text == "Bob is typing…")
        _ = try await bob.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .inputCleared), as: EmptyReply.self)
        await alice.events.expectEvent(after: mark) { $0.isState(.active, of: "Bob") }
        let idle = try await alice.call("GET", "/v1/peers", as: [PeerView].self).first { $0.name == "Bob" }
        #expect(idle?.state == .active && idle?.text == nil)
        await alice.stop(); await bob.stop()
    }
}
