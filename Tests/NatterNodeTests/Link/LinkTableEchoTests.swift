import NatterCore
@testable import NatterNode
import NatterWire
import Testing

extension LinkTableTests {
    // MARK: The UDP path check (Docs/protocol.md §6.5)

    /// Both sides announced that they answer echoes, as every current natter does.
    func echoingPair() -> (low: LinkTable, high: LinkTable) {
        var (lowTable, highTable) = linkedPair()
        let link = LinkID(rawValue: 1)
        _ = lowTable.received(.features(.supported), from: high, on: link)
        _ = highTable.received(.features(.supported), from: low, on: link)
        return (lowTable, highTable)
    }

    func request(_ nonce: UInt32, from table: inout LinkTable, to peer: DeviceFingerprint) throws -> LinkTable.OutgoingDatagram {
        guard case .send(let datagram) = table.echoRequest(nonce, to: peer) else {
            Issue.record("no echo request could be made")
            throw CancellationError()
        }
        return datagram
    }

    @Test func anEchoRequestIsAnsweredWithItsNonceToWhereTheLinksDatagramsGoNotToItsSource() throws {
        var (lowTable, highTable) = echoingPair()
        let request = try request(0xDEAD_BEEF, from: &lowTable, to: high)
        #expect(request.host == "10.0.0.2" && request.port == 4002 && request.bytes.count == 94, "a datagram like a state's")
        guard case .answer(let reply) = highTable.openDatagram(request.bytes, from: "192.0.2.99", now: now) else {
            Issue.record("the request was not answered")
            return
        }
        #expect(reply.host == "10.0.0.1" && reply.port == 4001, "to Low's announced port on the link's address, not the spoofable source")
        #expect(reply.bytes.count == request.bytes.count, "no amplification: the reply is the request's size")
        #expect(lowTable.openDatagram(reply.bytes) == .echoReply(nonce: 0xDEAD_BEEF, from: high))
        #expect(highTable.openDatagram(request.bytes) == .dropped(.replayedDatagram), "a replayed request is not answered again")
    }

    @Test func echoRepliesAreRateLimitedPerLink() throws {
        var (lowTable, highTable) = echoingPair()
        var answered = 0
        for nonce in 0..<UInt32(WireConstants.echoRepliesPerLink + 5) {
            if case .answer = highTable.openDatagram(try request(nonce, from: &lowTable, to: high).bytes, at: now) { answered += 1 }
        }
        #expect(answered == WireConstants.echoRepliesPerLink)
        let later = now + WireConstants.echoReplyWindow
        if case .answer = highTable.openDatagram(try request(99, from: &lowTable, to: high).bytes, at: later) {} else {
            Issue.record("a new window answers again")
        }
    }

    @Test func noEchoRequestToAPeerWithoutALinkAUDPPortOrTheFeature() {
        var (lowTable, _) = linkedPair()
        #expect(lowTable.echoRequest(1, to: high) == .notAnswered, "no features frame yet: an older natter drops requests")
        _ = lowTable.received(.features(.groups), from: high, on: LinkID(rawValue: 1))
        #expect(lowTable.echoRequest(1, to: high) == .notAnswered, "groups alone do not promise echoes")
        var (noPort, _) = linkedPair(highUDPPort: 0)
        _ = noPort.received(.features(.supported), from: high, on: LinkID(rawValue: 1))
        #expect(noPort.echoRequest(1, to: high) == .noUDPPort)
        var lone = table(low)
        #expect(lone.echoRequest(1, to: high) == .noLink)
    }

    @Test func theLinksPathSaysDirectOrRelayedAndWhereDatagramsGo() {
        let (lowTable, _) = echoingPair()
        let path = lowTable.path(to: high)
        #expect(path?.remoteHost == "10.0.0.2" && path?.relayed == false && path?.answersEcho == true)
        #expect(path?.udpTarget?.port == 4002)
        #expect(table(low).path(to: high) == nil)
        #expect(lowTable.peer(of: LinkID(rawValue: 1)) == high)
    }

    @Test func anEchoInTheStreamIsIgnored() {
        var (lowTable, _) = echoingPair()
        #expect(lowTable.received(.echo(.request(nonce: 7)), from: high, on: LinkID(rawValue: 1)) == nil)
    }
}
