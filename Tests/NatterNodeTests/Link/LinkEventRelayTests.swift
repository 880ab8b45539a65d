import NatterCore
@testable import NatterNode
import Synchronization
import Testing

/// `LinkEventRelay`: whichever consumer comes first gets every event, in
/// order, including those made before it came.
@Suite("Link event relay")
struct LinkEventRelayTests {
    let alice = DeviceFingerprint(bytes: [UInt8](repeating: 0xA1, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))

    /// What a sink was handed, in order.
    final class Received: Sendable {
        let events = Mutex<[LinkEvent]>([])
        var all: [LinkEvent] { events.withLock { $0 } }
        var sink: @Sendable (LinkEvent) -> Void { { event in self.events.withLock { $0.append(event) } } }
    }

    @Test func eventsMadeBeforeTheSinkComeFirstThenTheRestInOrder() {
        let relay = LinkEventRelay()
        relay.yield(.up(alice, name: "Alice", remoteHost: "10.0.0.1"))
        relay.yield(.down(alice))
        let received = Received()
        #expect(relay.deliver(to: received.sink))
        relay.yield(.up(bob, name: "Bob", remoteHost: "10.0.0.2"))
        #expect(received.all == [.up(alice, name: "Alice", remoteHost: "10.0.0.1"), .down(alice), .up(bob, name: "Bob", remoteHost: "10.0.0.2")])
    }

    @Test func theStreamChosenFirstKeepsTheEventsAndRefusesASink() async {
        let relay = LinkEventRelay()
        relay.yield(.down(alice))
        let events = relay.events
        let received = Received()
        #expect(!relay.deliver(to: received.sink))
        relay.yield(.down(bob))
        relay.finish()
        var streamed: [LinkEvent] = []
        for await event in events { streamed.append(event) }
        #expect(streamed == [.down(alice), .down(bob)])
        #expect(received.all.isEmpty)
    }

    @Test func withASinkTheStreamCarriesNothingAndEndsWithTheLinks() async {
        let relay = LinkEventRelay()
        let received = Received()
        #expect(relay.deliver(to: received.sink))
        relay.yield(.down(alice))
        relay.finish()
        relay.yield(.down(bob))
        var streamed: [LinkEvent] = []
        for await event in relay.events { streamed.append(event) }
        #expect(streamed.isEmpty)
        #expect(received.all == [.down(alice)], "nothing after finish")
    }

    @Test func aSecondSinkIsRefused() {
        let relay = LinkEventRelay()
        let first = Received(), second = Received()
        #expect(relay.deliver(to: first.sink))
        #expect(!relay.deliver(to: second.sink))
        relay.yield(.down(alice))
        #expect(first.all == [.down(alice)])
        #expect(second.all.isEmpty)
    }
}
