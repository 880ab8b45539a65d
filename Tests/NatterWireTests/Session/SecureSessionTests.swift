import NatterCore
import Crypto
import NatterWire
import Testing

/// Two sessions back to back in memory (swift-nio-ssh's habit): no sockets.
struct SessionPair {
    var initiator: SecureSession
    var responder: SecureSession
    let team: TeamKey
    /// What each `.established` output carried, the initiator's first.
    var established: [[UInt8]] = []
    var datagramKeys: [SecureSession.DatagramKeys] = []

    /// - Parameter bound: the initiator knows whom it dials (mDNS, a forwarder),
    ///   as a daemon does; false for a static peer dialled by address.
    init(team: TeamKey = TeamKey(), responderTeam: TeamKey? = nil, bound: Bool = true) {
        self.team = team
        let responderIdentity = DeviceIdentity()
        initiator = SecureSession(
            initiator: true, identity: DeviceIdentity(), team: team, responder: bound ? responderIdentity.fingerprint : nil)
        responder = SecureSession(initiator: false, identity: responderIdentity, team: responderTeam ?? team)
    }

    static let now: UInt64 = 1_764_000_000_000

    /// Runs the handshake to the end; the responder admits the first message
    /// against `cache`, as a node does with its shared replay cache.
    mutating func handshake(cache: inout HandshakeReplayCache, now: UInt64 = Self.now) throws {
        let first = try initiator.start(nowMilliseconds: Self.now)
        var toInitiator = try responder.receive(first, nowMilliseconds: now) { cache.insert($0.tag, timestamp: $0.timestamp, nowMilliseconds: now) }
        while !toInitiator.isEmpty {
            var toResponder: [SecureSession.Output] = []
            for case .send(let bytes) in toInitiator { toResponder += try initiator.receive(bytes) }
            for case .established(let key, let keys) in toResponder { note(key, keys) }
            toInitiator = []
            for case .send(let bytes) in toResponder {
                let outputs = try responder.receive(bytes, nowMilliseconds: now) { cache.insert($0.tag, timestamp: $0.timestamp, nowMilliseconds: now) }
                for case .established(let key, let keys) in outputs { note(key, keys) }
            }
        }
    }

    private mutating func note(_ remoteStaticKey: [UInt8], _ keys: SecureSession.DatagramKeys) {
        established.append(remoteStaticKey)
        datagramKeys.append(keys)
    }

    /// Seals `frame` at the initiator and hands it to the responder.
    mutating func deliver(_ frame: Frame) throws -> [SecureSession.Output] {
        try responder.receive(initiator.seal(frame), nowMilliseconds: Self.now) { _ in true }
    }
}

@Suite("Secure session")
struct SecureSessionTests {
    static let id = MessageID(bytes: [UInt8](repeating: 7, count: 16))!
    static let hello = Frame.hello(sequence: 0, name: "Alice", udpPort: 47_002, datagramIndex: 9)

    @Test func handshakeThenFramesBothWays() throws {
        var pair = SessionPair()
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
        #expect(pair.established.count == 2)
        #expect(try pair.deliver(Self.hello) == [.frame(Self.hello)])
        #expect(try pair.initiator.receive(pair.responder.seal(Self.hello)) == [.frame(Self.hello)])
        let chat = Frame.chat(sequence: 1, id: Self.id, sentAt: 5, text: "hi")
        #expect(try pair.deliver(chat) == [.frame(chat)])
        let ack = Frame.ack(sequence: 3, id: Self.id)
        #expect(try pair.initiator.receive(pair.responder.seal(ack)) == [.frame(ack)])
    }

    @Test func bothEndsExportMatchingDatagramKeys() throws {
        var pair = SessionPair()
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        let (initiator, responder) = (pair.datagramKeys[0], pair.datagramKeys[1])
        #expect(initiator.send == responder.receive && initiator.receive == responder.send)
        #expect(initiator.send != initiator.receive)
    }

    // MARK: Admission of the responder's first message

    @Test func aStrangerWithoutTheTeamKeyFailsAdmissionBeforeAnyKeyWork() throws {
        var pair = SessionPair(team: TeamKey(), responderTeam: TeamKey())
        var cache = HandshakeReplayCache()
        #expect(throws: LinkError.admissionFailed) { try pair.handshake(cache: &cache) }
        #expect(!pair.responder.isEstablished)
    }

    @Test func aReplayedFirstMessageIsRefusedByTheNextSession() throws {
        let team = TeamKey()
        var initiator = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        let first = try initiator.start(nowMilliseconds: SessionPair.now)
        var cache = HandshakeReplayCache()
        var original = SecureSession(initiator: false, identity: DeviceIdentity(), team: team)
        let now = SessionPair.now
        #expect(try original.receive(first, nowMilliseconds: now) { cache.insert($0.tag, timestamp: $0.timestamp, nowMilliseconds: now) }.count == 1)
        var replay = SecureSession(initiator: false, identity: DeviceIdentity(), team: team)
        #expect(throws: LinkError.replayedHandshake) { try replay.receive(first, nowMilliseconds: now) { cache.insert($0.tag, timestamp: $0.timestamp, nowMilliseconds: now) } }
    }

    @Test func aStaleTimestampIsRefused() throws {
        var pair = SessionPair()
        var cache = HandshakeReplayCache()
        #expect(throws: LinkError.staleHandshake) { try pair.handshake(cache: &cache, now: SessionPair.now + 121_000) }
    }

    @Test func theFirstMessageMustBeAHandshakeOneAndAdmissionCannotBeSkipped() throws {
        let team = TeamKey()
        var first = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        let handshake1 = try first.start(nowMilliseconds: SessionPair.now)
        var responder = SecureSession(initiator: false, identity: DeviceIdentity(), team: team)
        #expect(throws: LinkError.unexpectedMessage(4)) {
            try responder.receive([WireConstants.protocolVersion, 4] + [UInt8](repeating: 0, count: 40), nowMilliseconds: SessionPair.now) { _ in true }
        }
        #expect(throws: LinkError.unexpectedMessage(1), "the one chance is gone") {
            try responder.receive(handshake1, nowMilliseconds: SessionPair.now) { _ in true }
        }
        var skipping = SecureSession(initiator: false, identity: DeviceIdentity(), team: team)
        #expect(throws: LinkError.unexpectedMessage(1), "the message without its admission context") { try skipping.receive(handshake1) }
    }

    @Test func wrongVersionTruncatedAndTamperedAreRefused() throws {
        #expect(throws: LinkError.unsupportedVersion(9)) { try Envelope.unwrap([9, 1, 0]) }
        #expect(throws: LinkError.truncated) { try Envelope.unwrap([1]) }
        var pair = SessionPair()
        var first = try pair.initiator.start(nowMilliseconds: SessionPair.now)
        first[first.count - 1] ^= 1
        #expect(throws: LinkError.admissionFailed) { try pair.responder.receive(first, nowMilliseconds: SessionPair.now) { _ in true } }
        var truncated = SessionPair()
        let whole = try truncated.initiator.start(nowMilliseconds: SessionPair.now)
        #expect(throws: LinkError.truncated) { try truncated.responder.receive(Array(whole.prefix(22)), nowMilliseconds: SessionPair.now) { _ in true } }
    }

    // MARK: After the handshake

    @Test func framesBeforeTheHandshakeAreRefusedAndATamperedFrameIsATransportFailure() throws {
        var pair = SessionPair()
        #expect(throws: LinkError.notEstablished) { try pair.initiator.seal(.keepalive(sequence: 1)) }
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        var sealed = try pair.initiator.seal(Self.hello)
        sealed[sealed.count - 1] ^= 0x80
        #expect(throws: LinkError.transportAuthenticationFailed, "not a handshake or team-key error") {
            try pair.responder.receive(sealed, nowMilliseconds: SessionPair.now) { _ in true }
        }
    }

    @Test func oneHelloPerLinkAndNothingBeforeIt() throws {
        var pair = SessionPair()
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        let chat = Frame.chat(sequence: 1, id: Self.id, sentAt: 5, text: "too early")
        #expect(try pair.deliver(chat) == [], "a frame before the hello is dropped")
        #expect(try pair.deliver(.keepalive(sequence: 2)) == [])
        #expect(try pair.deliver(Self.hello) == [.frame(Self.hello)])
        let impostor = Frame.hello(sequence: 3, name: "Mallory", udpPort: 1, datagramIndex: 2)
        #expect(try pair.deliver(impostor) == [], "a second hello cannot claim another name")
        #expect(try pair.deliver(chat) == [.frame(chat)], "and the link carries on")
    }
}
