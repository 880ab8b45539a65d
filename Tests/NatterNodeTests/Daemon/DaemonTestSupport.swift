import NatterAPI
import NatterCore
import NatterNode
import NatterTesting
import NatterWire
import Testing

/// Two or more daemons on one in-memory network and one test clock.
struct Office {
    let network = MemoryNetwork()
    let clock = TestClock()

    /// A daemon named `name`; pass a stopped peer's identity and directory to restart it.
    func peer(
        _ name: String, identity: DeviceIdentity = DeviceIdentity(), directory: String? = nil, idleSources: [any IdleSource] = []
    ) throws -> TestPeer {
        try TestPeer(name: name, on: network, clock: clock, identity: identity, directory: directory, idleSources: idleSources)
    }

    /// Links `a` and `b`; returns once each shows the other online (a
    /// failed expectation says which did not, rather than a later one).
    func link(_ a: TestPeer, _ b: TestPeer) async {
        let markA = await a.events.mark, markB = await b.events.mark
        network.connect(a.fingerprint, b.fingerprint)
        #expect(await a.events.first(after: markA) { $0.isOnline(b.name) } != nil, "\(a.name) shows \(b.name) online")
        #expect(await b.events.first(after: markB) { $0.isOnline(a.name) } != nil, "\(b.name) shows \(a.name) online")
    }

    func unlink(_ a: TestPeer, _ b: TestPeer) async {
        let markA = await a.events.mark
        network.disconnect(a.fingerprint, b.fingerprint)
        #expect(await a.events.first(after: markA) { $0.isOffline(b.name) } != nil, "\(a.name) shows \(b.name) offline")
    }
}

extension EventRecorder {
    /// Waits for an event the rest of the test relies on. A wait that gives
    /// up fails the test at this line, the step that did not happen, rather
    /// than leaving a later expectation to fail without saying why.
    @discardableResult
    func expectEvent(
        after mark: Int = 0, sourceLocation: SourceLocation = #_sourceLocation,
        where predicate: @escaping @Sendable (APIEvent) -> Bool
    ) async -> APIEvent? {
        let event = await first(after: mark, where: predicate)
        if event == nil {
            Issue.record("no matching event within \(EventRecorder.patience)", sourceLocation: sourceLocation)
        }
        return event
    }
}

extension APIEvent {
    func isOnline(_ name: String) -> Bool {
        if case .peer(let peer) = self { peer.name == name && peer.online } else { false }
    }

    func isOffline(_ name: String) -> Bool {
        if case .peer(let peer) = self { peer.name == name && !peer.online } else { false }
    }

    func isMessage(_ text: String) -> Bool {
        if case .message(let message) = self { message.text == text } else { false }
    }

    func isDelivery(of id: String) -> Bool {
        if case .delivery(let message) = self { message.id == id } else { false }
    }

    func isState(_ state: SessionState, of name: String) -> Bool {
        if case .state(let view) = self { view.state == state && view.peerName == name } else { false }
    }
}
