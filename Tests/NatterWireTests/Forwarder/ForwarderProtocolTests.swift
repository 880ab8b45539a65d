import Crypto
import NatterWire
import Testing

@Suite("Forwarder protocol")
struct ForwarderProtocolTests {
    let team = TeamKey()
    var key: ForwarderKey { team.subkeys.forwarder }
    let now: UInt64 = 1_790_000_000_000

    @Test func forwarderCodeRoundTripsAndIsNeverATeamCode() throws {
        let code = ForwarderCode.encode(key)
        #expect(code.hasPrefix("FWD-"))
        #expect(try ForwarderCode.decode(code.lowercased()).bytes == key.bytes)
        #expect(throws: ForwarderCodeError.teamCodeGiven) { try ForwarderCode.decode(TeamCode.encode(team)) }
        var typo = Array(code)
        typo[6] = typo[6] == "A" ? "B" : "A"
        #expect(throws: ForwarderCodeError.checksumMismatch) { try ForwarderCode.decode(String(typo)) }
        #expect(throws: (any Error).self) { try TeamCode.decode(code) }
    }

    @Test func theForwarderKeyIsNoneOfTheOtherSubkeys() {
        let subkeys = team.subkeys
        let others = [subkeys.psk, subkeys.admit, subkeys.tag, subkeys.seal].map { $0.withUnsafeBytes { Array($0) } }
        #expect(!others.contains(key.bytes))
        #expect(key.forwarderTag != subkeys.teamTag)
    }

    @Test func membersAndTheForwarderAgreeOnAChannel() throws {
        let client = ForwarderClientHandshake(key: key, nowMilliseconds: now)
        let admitted = try ForwarderHandshake.admit(client.hello, key: key, nowMilliseconds: now + 1_000)
        var (welcome, forwarderSide) = ForwarderHandshake.welcome(hello: client.hello, clientNonce: admitted.clientNonce, key: key)
        var memberSide = try client.complete(welcome: welcome)
        let entry = DirectoryEntry(
            keyedFingerprint: Array(repeating: 7, count: 16), addresses: ["10.0.0.5"], tcpPort: 7300, udpPort: 7301,
            sealedRecord: [1, 2, 3])
        #expect(try forwarderSide.open(memberSide.seal(.register(entry))) == .register(entry))
        #expect(try memberSide.open(forwarderSide.seal(.directoryComplete)) == .directoryComplete)
        // A message cannot be replayed or reordered: the counter moved on.
        let sealed = memberSide.seal(.keepalive)
        #expect(try forwarderSide.open(sealed) == .keepalive)
        #expect(throws: ForwarderProtocolError.authenticationFailed) { try forwarderSide.open(sealed) }
        welcome[welcome.count - 1] ^= 1
        #expect(throws: ForwarderProtocolError.admissionFailed) { try client.complete(welcome: welcome) }
    }

    @Test func anotherTeamOrAStaleHelloIsNotAdmitted() {
        let stranger = ForwarderClientHandshake(key: TeamKey().subkeys.forwarder, nowMilliseconds: now)
        #expect(throws: ForwarderProtocolError.admissionFailed) { try ForwarderHandshake.admit(stranger.hello, key: key, nowMilliseconds: now) }
        let old = ForwarderClientHandshake(key: key, nowMilliseconds: now)
        #expect(throws: ForwarderProtocolError.staleHello) { try ForwarderHandshake.admit(old.hello, key: key, nowMilliseconds: now + 121_000) }
        #expect(throws: ForwarderProtocolError.unexpectedMessage(4)) {
            try ForwarderHandshake.admit(ForwarderEnvelope.join(token: Array(repeating: 0, count: 32)), key: key, nowMilliseconds: now)
        }
    }

    @Test func everyMessageRoundTrips() throws {
        let keyed = Array(repeating: UInt8(9), count: 16)
        let messages: [ForwarderMessage] = [
            .register(DirectoryEntry(keyedFingerprint: keyed, addresses: ["10.0.0.1", "192.168.1.2"], tcpPort: 1, udpPort: 2, sealedRecord: [])),
            .registered(observedAddress: "10.231.1.11", relayUDPPort: 7310),
            .peer(DirectoryEntry(keyedFingerprint: keyed, addresses: [], tcpPort: 3, udpPort: 4, sealedRecord: Array(repeating: 1, count: 256))),
            .peerGone(keyedFingerprint: keyed), .directoryComplete, .relayRequest(id: 42, target: keyed),
            .relayInvitation(RelayInvitation(requestID: 0, peer: keyed, token: Array(repeating: 3, count: 32), initiator: false, datagramIndex: 99)),
            .relayRefused(id: 42, reason: .notRegistered), .keepalive, .goodbye,
            .registerWithFeatures(DirectoryEntry(keyedFingerprint: keyed, addresses: ["10.0.0.1"], tcpPort: 1, udpPort: 2, sealedRecord: [7]), [.directoryBatches]),
            .registerWithFeatures(DirectoryEntry(keyedFingerprint: keyed, addresses: [], tcpPort: 1, udpPort: 2, sealedRecord: []), ForwarderFeatures(rawValue: 0xFF)),
            .directory([]),
            .directory([
                .peer(DirectoryEntry(keyedFingerprint: keyed, addresses: ["10.0.0.9"], tcpPort: 5, udpPort: 6, sealedRecord: [1, 2])),
                .peerGone(keyedFingerprint: keyed),
            ]),
        ]
        for message in messages {
            #expect(try ForwarderMessageCodec.decode(ForwarderMessageCodec.encode(message)) == message)
        }
    }

    /// Docs/protocol.md §9.3: a batch's bytes are `12 ‖ count u16 ‖ changes`,
    /// each change the single message's plaintext (3 peer, 4 peerGone), so a
    /// forwarder can copy encoded changes and a member can split them.
    @Test func aDirectoryBatchIsTheSingleMessagesBackToBack() throws {
        let keyed = Array(repeating: UInt8(5), count: 16)
        let entry = DirectoryEntry(keyedFingerprint: keyed, addresses: ["10.0.0.9"], tcpPort: 5, udpPort: 6, sealedRecord: [1, 2])
        let single = ForwarderMessageCodec.encode(.peer(entry)), gone = ForwarderMessageCodec.encode(.peerGone(keyedFingerprint: keyed))
        #expect(ForwarderMessageCodec.encodeChange(.peer(entry)) == single)
        #expect(ForwarderMessageCodec.encodeChange(.peerGone(keyedFingerprint: keyed)) == gone)
        let batch = ForwarderMessageCodec.directoryBatch(count: 2, changes: single + gone)
        #expect(batch == [12, 0, 2] + single + gone)
        #expect(try ForwarderMessageCodec.decode(batch) == .directory([.peer(entry), .peerGone(keyedFingerprint: keyed)]))
        #expect(ForwarderMessageCodec.encode(.registerWithFeatures(entry, [.directoryBatches])) == [11, 1] + single.dropFirst())
    }

    @Test func malformedBatchesAreRefused() {
        let gone: [UInt8] = [4] + Array(repeating: 1, count: 16)
        #expect(throws: ForwarderMessageError.truncated, "fewer changes than counted") {
            try ForwarderMessageCodec.decode([12, 0, 2] + gone)
        }
        #expect(throws: ForwarderMessageError.invalidField("trailing bytes"), "more than counted") {
            try ForwarderMessageCodec.decode([12, 0, 1] + gone + gone)
        }
        #expect(throws: ForwarderMessageError.invalidField("change kind"), "only peer and peerGone") {
            try ForwarderMessageCodec.decode([12, 0, 1, 5])
        }
        let oversized = [12, 0xFF, 0xFF] + Array(repeating: UInt8(0), count: ForwarderMessageCodec.maximumBatchBytes)
        #expect(throws: ForwarderMessageError.invalidField("batch length")) { try ForwarderMessageCodec.decode(oversized) }
    }

    @Test func malformedMessagesAreRefused() {
        #expect(throws: ForwarderMessageError.unknownType(200)) { try ForwarderMessageCodec.decode([200]) }
        #expect(throws: ForwarderMessageError.truncated) { try ForwarderMessageCodec.decode([6, 0, 0]) }
        #expect(throws: ForwarderMessageError.invalidField("trailing bytes")) { try ForwarderMessageCodec.decode([9, 0]) }
        var tooManyAddresses: [UInt8] = [1] + Array(repeating: 0, count: 16) + [0, 1, 0, 2, 9]
        tooManyAddresses += Array(repeating: 0, count: 20)
        #expect(throws: ForwarderMessageError.invalidField("address count")) { try ForwarderMessageCodec.decode(tooManyAddresses) }
    }

    @Test func relayDatagramsCarryTheInnerDatagramUntouched() {
        let inner: [UInt8] = [WireConstants.protocolVersion, 5] + Array(repeating: 0xAB, count: 40)
        let wrapped = RelayDatagram.wrap(inner, relayIndex: 0xDEAD_BEEF)
        #expect(RelayDatagram.relayIndex(of: wrapped) == 0xDEAD_BEEF)
        #expect(Array(wrapped.dropFirst(RelayDatagram.headerLength)) == inner)
        #expect(RelayDatagram.relayIndex(of: inner) == nil)
        #expect(RelayDatagram.relayIndex(of: [WireConstants.protocolVersion, 6, 0, 0, 0, 1]) == nil, "nothing to relay")
    }

    /// The relay's non-generic read agrees with the generic one on every edge.
    @Test func theFastRelayIndexReadAgreesWithTheGenericOne() {
        let inner: [UInt8] = Array(repeating: 0x42, count: 45)
        let cases: [[UInt8]] = [
            RelayDatagram.wrap(inner, relayIndex: 0xDEAD_BEEF), RelayDatagram.wrap([7], relayIndex: 1), inner, [], [2, 6, 0, 0, 0, 1],
            [1, 6, 0, 0, 0, 1, 9], [3, 6, 0, 0, 0, 1, 9], [2, 5, 0, 0, 0, 1, 9],
            RelayDatagram.wrap(Array(repeating: 0, count: WireConstants.maximumDatagramBytes), relayIndex: 3),
            RelayDatagram.wrap(Array(repeating: 0, count: WireConstants.maximumDatagramBytes + 1), relayIndex: 3),
        ]
        for bytes in cases {
            let generic = RelayDatagram.relayIndex(of: bytes[...])
            #expect(bytes.withUnsafeBytes { RelayDatagram.relayIndex(ofRaw: $0) } == generic, "\(bytes.prefix(8))")
            #expect(RelayDatagram.relayIndex(of: bytes) == generic)
        }
        #expect(RelayDatagram.relayIndex(of: RelayDatagram.wrap(inner, relayIndex: 0xDEAD_BEEF)) == 0xDEAD_BEEF)
    }
}
