import Crypto
import NIOCore
import NIOEmbedded
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Synchronization
import Testing

extension LinkTable {
    /// A datagram from one fixed source, at the time the test says.
    mutating func openDatagram(_ bytes: [UInt8], at now: ContinuousClock.Instant = .now) -> DatagramOutcome {
        openDatagram(bytes, from: "10.0.0.1", now: now)
    }
}

/// Receiver indices the test chooses, then random ones.
final class IndexScript: Sendable {
    private let queue: Mutex<[UInt32]>
    init(_ indices: [UInt32]) { queue = Mutex(indices) }
    func next() -> UInt32 {
        queue.withLock { $0.isEmpty ? UInt32.random(in: 1...UInt32.max) : $0.removeFirst() }
    }
}

extension LinkTableTests {
    // MARK: Rekey (Docs/protocol.md §5.8)

    @Test func afterARekeyTheOldDatagramSessionLivesFiveSecondsThenIsErased() throws {
        var (lowTable, highTable) = linkedPair()
        let link = LinkID(rawValue: 1)
        let frame = Frame.state(sequence: 1, state: .typing, source: 1)
        let inFlight = try (0..<3).map { _ in try #require(lowTable.route(frame, to: high, preferDatagram: true)?.datagram).bytes }

        let newKey = SymmetricKey(size: .bits256)
        highTable.installDatagramReceive(link: link, peer: low, index: 777, key: newKey, now: now)
        lowTable.switchDatagramSend(link: link, peer: high, index: 777, key: newKey)
        let fresh = try #require(lowTable.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        #expect(Array(fresh[2..<14]) == [0, 0, 3, 9, 0, 0, 0, 0, 0, 0, 0, 0], "index 777, counter back to 0")
        #expect(highTable.openDatagram(fresh, at: now) == .deliver(.received(frame, from: low)))
        #expect(highTable.openDatagram(inFlight[0], at: now + .seconds(4)) == .deliver(.received(frame, from: low)), "in flight: still accepted")
        #expect(highTable.openDatagram(inFlight[1], at: now + .seconds(5)) == .dropped(.datagramAuthenticationFailed), "erased after 5 s")
        #expect(highTable.openDatagram(inFlight[2], at: now + .seconds(1)) == .dropped(.datagramAuthenticationFailed), "and gone for good")
        #expect(highTable.counters.rekeys == 1)

        // Two rekeys in quick succession: only the one before is kept.
        var (low2, high2) = linkedPair()
        let first = try #require(low2.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        high2.installDatagramReceive(link: link, peer: low, index: 10, key: newKey, now: now)
        low2.switchDatagramSend(link: link, peer: high, index: 10, key: newKey)
        let second = try #require(low2.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        high2.installDatagramReceive(link: link, peer: low, index: 11, key: SymmetricKey(size: .bits256), now: now + .seconds(1))
        #expect(high2.openDatagram(first, at: now + .seconds(1)) == .dropped(.datagramAuthenticationFailed))
        #expect(high2.openDatagram(second, at: now + .seconds(1)) == .deliver(.received(frame, from: low)))
    }

    @Test func aNewDatagramSessionNeverTakesAnotherLinksIndex() throws {
        var table = table(low)
        let script = IndexScript([5, 5, 0, 7, 7, 9, 5])
        table.drawIndex = { script.next() }
        let other = DeviceIdentity().fingerprint
        let first = table.established(peer: high, link: LinkID(rawValue: 1), initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        let second = table.established(peer: other, link: LinkID(rawValue: 2), initiator: true, remoteHost: "10.0.0.3", keys: lowKeys)
        guard case .hello(_, _, _, let firstIndex) = first.hello, case .hello(_, _, _, let secondIndex) = second.hello else {
            Issue.record("no hellos"); return
        }
        #expect(firstIndex == 5 && secondIndex == 7, "5 is taken and 0 is never used")
        #expect(table.reserveDatagramIndex(for: LinkID(rawValue: 1)) == 9, "7 is taken")
        // A reserved index is taken too, until its session is installed.
        let third = table.established(peer: DeviceIdentity().fingerprint, link: LinkID(rawValue: 3), initiator: true, remoteHost: "10.0.0.4", keys: lowKeys)
        guard case .hello(_, _, _, let thirdIndex) = third.hello else { Issue.record("no hello"); return }
        #expect(![5, 7, 9].contains(thirdIndex))
        // The first link's session still answers to 5.
        _ = table.received(.hello(sequence: 0, name: "High", udpPort: 4002, datagramIndex: 1), from: high, on: LinkID(rawValue: 1))
        let datagram = DatagramCodec.seal(.state(sequence: 1, state: .away, source: 1), receiverIndex: 5, counter: 0, key: highKeys.send)
        #expect(table.openDatagram(datagram) == .deliver(.received(.state(sequence: 1, state: .away, source: 1), from: high)))
    }

    // MARK: Refused links (§4.6)

    @Test func nothingIsReadFromARefusedLink() throws {
        var (lowTable, highTable) = linkedPair()
        let link = LinkID(rawValue: 1)
        let state = Frame.state(sequence: 1, state: .typing, source: 1)
        let datagram = try #require(lowTable.route(state, to: high, preferDatagram: true)?.datagram).bytes
        let chat = Frame.chat(sequence: 2, id: MessageID(bytes: [UInt8](repeating: 1, count: 16))!, sentAt: 1, text: "hi")
        #expect(highTable.mayRead(link) && highTable.received(chat, from: low, on: link) == .received(chat, from: low))

        #expect(highTable.refuse(low) == link)
        #expect(!highTable.mayRead(link))
        #expect(highTable.received(chat, from: low, on: link) == nil)
        #expect(highTable.received(state, from: low, on: link) == nil)
        #expect(highTable.openDatagram(datagram) == .dropped(.datagramAuthenticationFailed), "its datagram session is gone")
        #expect(highTable.route(chat, to: low, preferDatagram: false) == nil)
        #expect(highTable.closed(link) == nil, "the daemon never had it up")
    }

    // MARK: Datagram budget per source

    @Test func datagramsOverASourcesBudgetAreDroppedBeforeAnyWork() {
        var table = table(high)
        let garbage: [UInt8] = [1, 5, 0, 0]
        for _ in 0..<WireConstants.datagramsPerSource {
            #expect(table.openDatagram(garbage, from: "10.9.9.9", now: now) == .dropped(.truncated))
        }
        #expect(table.openDatagram(garbage, from: "10.9.9.9", now: now) == .dropped(.datagramRateLimited))
        #expect(table.openDatagram(garbage, from: "10.9.9.8", now: now) == .dropped(.truncated), "other sources keep their budget")
        #expect(table.openDatagram(garbage, from: "10.9.9.9", now: now + WireConstants.datagramRateWindow) == .dropped(.truncated), "a new window")
        #expect(table.counters.rateLimitedDatagrams == 1)
    }
}

/// The link handler itself: once the daemon refused a link, frames already
/// on their way are neither decrypted nor delivered.
@Suite("Link handler")
struct LinkHandlerTests {
    /// Reads one length-prefixed message the handler wrote.
    static func written(_ channel: EmbeddedChannel) throws -> [UInt8]? {
        guard var buffer = try channel.readOutbound(as: ByteBuffer.self) else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return buffer.readBytes(length: buffer.readableBytes)
    }

    @Test func aRefusedLinkIsNotReadAnyFurther() async throws {
        let team = TeamKey()
        let log = LogRecorder()
        let service = PeerLinkService(identity: DeviceIdentity(), team: team, displayName: "Bob", tcpPort: 0, udpPort: 0, logger: log.logger("bob"))
        let events = EventCollector(service.events)
        let channel = EmbeddedChannel(handler: LinkHandler(link: LinkID(rawValue: 42), initiator: false, relay: nil, service: service))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()

        let mallory = DeviceIdentity()
        var session = SecureSession(initiator: true, identity: mallory, team: team)
        try channel.writeInbound(ByteBuffer(bytes: try session.start(nowMilliseconds: PeerLinkService.unixMilliseconds())))
        for case .send(let third) in try session.receive(try #require(try Self.written(channel))) {
            try channel.writeInbound(ByteBuffer(bytes: third))
        }
        #expect(session.isEstablished)
        try channel.writeInbound(ByteBuffer(bytes: try session.seal(.hello(sequence: 0, name: "Alice", udpPort: 0, datagramIndex: 1))))
        let before = Frame.chat(sequence: 1, id: MessageID(bytes: [UInt8](repeating: 1, count: 16))!, sentAt: 1, text: "before")
        try channel.writeInbound(ByteBuffer(bytes: try session.seal(before)))
        #expect(await events.wait { $0.frames == [before] }, "a frame before the refusal is delivered")

        service.disconnect(mallory.fingerprint)  // what the daemon does when the pin check fails
        let after = Frame.chat(sequence: 2, id: MessageID(bytes: [UInt8](repeating: 2, count: 16))!, sentAt: 2, text: "after")
        try channel.writeInbound(ByteBuffer(bytes: try session.seal(after)))
        try channel.writeInbound(ByteBuffer(bytes: [1, 4, 0xDE, 0xAD]))  // garbage: would be a transport error if it were read
        try? await Task.sleep(for: .milliseconds(100))
        #expect(events.frames == [before], "nothing after the refusal")
        #expect(service.counters.refusedConnections == 0 && service.counters.transportAuthenticationFailures == 0, "nothing decoded")
        _ = try? channel.finish()
    }
}
