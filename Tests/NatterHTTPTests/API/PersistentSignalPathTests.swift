import Foundation
import Logging
@testable import NatterAPI
import NatterCore
import NatterHTTP
import NatterTesting
import Testing

/// Issue 15, goal 1: a front end's detector signals travel on one kept
/// connection (`natter chat` and `natter-bench`'s client; the web page's
/// fetches ride the browser's kept connection the same way), and every state
/// they cause reaches the colleague's event stream. Real daemons and stores,
/// their APIs on real Unix sockets, the link between them in memory.
@Suite("Signals on one kept connection reach the colleague's stream", .serialized)
struct PersistentSignalPathTests {
    func serve(_ peer: TestPeer) async -> (socket: String, server: Task<Void, any Error>) {
        let socket = temporaryDirectory(prefix: "natter-persistent") + "/natter/api.sock"
        let server = LocalAPIServer(socketPath: socket, handler: peer.api, logger: Logger(label: "test"), requestTimeout: .seconds(10))
        return (socket, await server.started())
    }

    @Test(.timeLimit(.minutes(1)))
    func everySignalGoesOnOneConnectionAndEachStateReachesTheColleague() async throws {
        let network = MemoryNetwork()
        let clock = TestClock()
        let alice = try TestPeer(name: "Alice", on: network, clock: clock)
        let bob = try TestPeer(name: "Bob", on: network, clock: clock)
        let markA = await alice.events.mark, markB = await bob.events.mark
        network.connect(alice.fingerprint, bob.fingerprint)
        #expect(await alice.events.first(after: markA) { if case .peer(let p) = $0 { p.name == "Bob" && p.online } else { false } } != nil, "Alice shows Bob online")
        #expect(await bob.events.first(after: markB) { if case .peer(let p) = $0 { p.name == "Alice" && p.online } else { false } } != nil, "Bob shows Alice online")
        let (aliceSocket, aliceServer) = await serve(alice)
        let (bobSocket, bobServer) = await serve(bob)

        // Bob's front end: his event stream over his socket, collected as it comes.
        let seen = StreamCollector()
        let following = Task { [seen] in
            for try await event in LocalAPIClient(socketPath: bobSocket).events() { await seen.record(event) }
        }
        let client = LocalAPIClient(socketPath: aliceSocket)
        let window = try await onOwnThread { try client.openWindow(with: "Bob") }
        let connection = try #require(socketCookie(client.connection.descriptor))

        // The stream is subscribed once a state sent now reaches it.
        var subscribed = false
        for attempt in 0..<50 where !subscribed {
            let signal: DetectorSignal = attempt % 2 == 0 ? .keystroke : .inputCleared
            try await onOwnThread { try client.signal(signal, window: window.window) }
            subscribed = await seen.wait(timeout: .milliseconds(200)) { $0.isState(of: "Alice") } != nil
        }
        #expect(subscribed, "Bob's stream over the socket saw no state of Alice's")
        try await onOwnThread { try client.signal(.inputCleared, window: window.window) }
        _ = await seen.wait(timeout: .seconds(5)) { $0.isState(.active, of: "Alice") }

        for round in 0..<20 {
            let (signal, shown): (DetectorSignal, SessionState) = round % 2 == 0 ? (.keystroke, .typing) : (.inputCleared, .active)
            let mark = await seen.mark
            try await onOwnThread { try client.signal(signal, window: window.window) }
            let event = await seen.wait(after: mark, timeout: .seconds(5)) { $0.isState(of: "Alice") }
            #expect(event?.isState(shown, of: "Alice") == true, "round \(round): \(signal) → \(shown) on Bob's stream, got \(String(describing: event))")
            #expect(socketCookie(client.connection.descriptor) == connection, "round \(round): the signal went on the kept connection")
        }

        following.cancel()
        aliceServer.cancel()
        bobServer.cancel()
        _ = await aliceServer.result
        _ = await bobServer.result
        await alice.stop()
        await bob.stop()
    }
}

/// Events read from a real event stream, kept so a test can wait for one an
/// action causes even if it came before the wait began.
actor StreamCollector {
    private(set) var events: [APIEvent] = []

    var mark: Int { events.count }

    func record(_ event: APIEvent) { events.append(event) }

    /// The first event after `mark` that matches, waiting up to `timeout` (a watchdog; events come in milliseconds).
    func wait(after mark: Int = 0, timeout: Duration, where predicate: (APIEvent) -> Bool) async -> APIEvent? {
        let deadline = ContinuousClock.now + timeout
        var index = mark
        while true {
            while index < events.count {
                if predicate(events[index]) { return events[index] }
                index += 1
            }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
}

extension APIEvent {
    func isState(_ state: SessionState? = nil, of name: String) -> Bool {
        guard case .state(let view) = self else { return false }
        return view.peerName == name && (state == nil || view.state == state)
    }
}
