import NatterCore
import Crypto
import NatterWire
import Testing

/// Two sessions back to back in memory (swift-nio-ssh's habit): no sockets.
struct SessionPair {
    var initiator: SecureSession
    var responder: SecureSession
    let team: TeamKey
    var established: [[UInt8]] = []

    init(team: TeamKey = TeamKey(), responderTeam: TeamKey? = nil) {
        self.team = team
        initiator = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        responder = SecureSession(initiator: false, identity: DeviceIdentity(), team: responderTeam ?? team)
    }

    static let now: UInt64 = 1_764_000_000_000

    mutating func handshake(cache: inout HandshakeReplayCache, responderTeam: TeamKey? = nil) throws {
        let first = try initiator.start(nowMilliseconds: Self.now)
        let (_, body) = try Envelope.unwrap(first)
        let admitted = try Envelope.admitFirst(body, admit: (responderTeam ?? team).subkeys.admit, nowMilliseconds: Self.now)
        guard cache.insert(admitted.tag) else { throw LinkError.replayedHandshake }
        var toInitiator = try responder.respond(toAdmitted: admitted.noise, fullMessage: first)
        while !toInitiator.isEmpty {
            var toResponder: [SecureSession.Output] = []
            for case .send(let bytes) in toInitiator { toResponder += try initiator.receive(bytes) }
            for case .established(let key) in toResponder { established.append(key) }
            toInitiator = []
            for case .send(let bytes) in toResponder {
                let outputs = try responder.receive(bytes)
                for case .established(let key) in outputs { established.append(key) }
            }
        }
    }
}

@Suite("Secure session")
struct SecureSessionTests {
    @Test func handshakeThenFramesBothWays() throws {
        var pair = SessionPair()
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
        #expect(pair.established.count == 2)
        let chat = Frame.chat(sequence: 1, id: MessageID(bytes: [UInt8](repeating: 7, count: 16))!, sentAt: 5, text: "hi")
        #expect(try pair.responder.receive(pair.initiator.seal(chat)) == [.frame(chat)])
        let ack = Frame.ack(sequence: 3, id: MessageID(bytes: [UInt8](repeating: 7, count: 16))!)
        #expect(try pair.initiator.receive(pair.responder.seal(ack)) == [.frame(ack)])
        #expect(pair.initiator.datagramKeys?.send == pair.responder.datagramKeys?.receive)
    }

    @Test func aStrangerWithoutTheTeamKeyFailsAdmissionBeforeAnyKeyWork() throws {
        var pair = SessionPair(team: TeamKey(), responderTeam: TeamKey())
        var cache = HandshakeReplayCache()
        #expect(throws: LinkError.admissionFailed) { try pair.handshake(cache: &cache, responderTeam: TeamKey()) }
        #expect(!pair.responder.isEstablished)
    }

    @Test func aReplayedFirstMessageIsRefused() throws {
        var pair = SessionPair()
        var cache = HandshakeReplayCache()
        let first = try pair.initiator.start(nowMilliseconds: SessionPair.now)
        let (_, body) = try Envelope.unwrap(first)
        let admitted = try Envelope.admitFirst(body, admit: pair.team.subkeys.admit, nowMilliseconds: SessionPair.now)
        let result1 = cache.insert(admitted.tag)
        #expect(result1)
        let result2 = cache.insert(admitted.tag)
        #expect(!result2, "the same first message again")
    }

    @Test func aStaleTimestampIsRefused() throws {
        var pair = SessionPair()
        let first = try pair.initiator.start(nowMilliseconds: SessionPair.now)
        let (_, body) = try Envelope.unwrap(first)
        #expect(throws: LinkError.staleHandshake) {
            try Envelope.admitFirst(body, admit: pair.team.subkeys.admit, nowMilliseconds: SessionPair.now + 121_000)
        }
    }

    @Test func wrongVersionTruncatedAndTamperedAreRefused() throws {
        #expect(throws: LinkError.unsupportedVersion(9)) { try Envelope.unwrap([9, 1, 0]) }
        #expect(throws: LinkError.truncated) { try Envelope.unwrap([1]) }
        var pair = SessionPair()
        var first = try pair.initiator.start(nowMilliseconds: SessionPair.now)
        first[first.count - 1] ^= 1
        let (_, body) = try Envelope.unwrap(first)
        #expect(throws: LinkError.admissionFailed) { try Envelope.admitFirst(body, admit: pair.team.subkeys.admit, nowMilliseconds: SessionPair.now) }
        #expect(throws: LinkError.truncated) { try Envelope.admitFirst(Array(body.prefix(20)), admit: pair.team.subkeys.admit, nowMilliseconds: SessionPair.now) }
    }

    @Test func framesBeforeTheHandshakeAndTamperedFramesAreRefused() throws {
        var pair = SessionPair()
        #expect(throws: LinkError.notEstablished) { try pair.initiator.seal(.keepalive(sequence: 1)) }
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        var sealed = try pair.initiator.seal(.keepalive(sequence: 1))
        sealed[sealed.count - 1] ^= 0x80
        #expect(throws: LinkError.self) { try pair.responder.receive(sealed) }
    }
}

@Suite("State datagrams")
struct DatagramTests {
    @Test func replayedReorderedAndForgedDatagramsAreDropped() throws {
        let key = SymmetricKey(size: .bits256)
        var window = ReplayWindow()
        let frames = (1...3).map { Frame.state(sequence: UInt64($0), state: .typing, source: 9) }
        let datagrams = frames.enumerated().map { DatagramCodec.seal($1, receiverIndex: 77, counter: UInt64($0), key: key) }
        #expect(try DatagramCodec.receiverIndex(of: datagrams[0]) == 77)
        #expect(try DatagramCodec.open(datagrams[2], key: key, window: &window) == frames[2])
        #expect(try DatagramCodec.open(datagrams[0], key: key, window: &window) == frames[0], "reordered within the window")
        #expect(throws: LinkError.replayedDatagram) { try DatagramCodec.open(datagrams[2], key: key, window: &window) }
        var forged = datagrams[1]
        forged[forged.count - 3] ^= 1
        #expect(throws: LinkError.self) { try DatagramCodec.open(forged, key: key, window: &window) }
        #expect(try DatagramCodec.open(datagrams[1], key: key, window: &window) == frames[1], "a forgery does not burn the counter")
        #expect(throws: LinkError.self) { try DatagramCodec.open(datagrams[1], key: SymmetricKey(size: .bits256), window: &window) }
    }
}
