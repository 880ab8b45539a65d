@testable import NatterNode
import NatterWire
import Testing

@Suite("Forwarder session: a member's control connection as a value")
struct ForwarderSessionTests {
    let key = TeamKey().subkeys.forwarder
    let now: UInt64 = 1_790_000_000_000
    let entry = DirectoryEntry(
        keyedFingerprint: [UInt8](repeating: 4, count: 16), addresses: ["10.231.1.11"], tcpPort: 7300, udpPort: 7301, sealedRecord: [9, 9])

    @Test func theWelcomeIsAnsweredWithTheRegistrationAndLaterMessagesAreOpened() throws {
        var session = ForwarderSession(key: key, registration: entry, nowMilliseconds: now)
        #expect(session.seal(.keepalive) == nil, "nothing is sent before the forwarder proved the key")
        let admitted = try ForwarderHandshake.admit(session.hello, key: key, nowMilliseconds: now)
        var (welcome, forwarder) = ForwarderHandshake.welcome(hello: session.hello, clientNonce: admitted.clientNonce, key: key)
        let outputs = try session.receive(welcome)
        guard case .send(let register)? = outputs.first, outputs.count == 1 else {
            Issue.record("expected exactly the registration, got \(outputs)")
            return
        }
        #expect(try forwarder.open(register) == .registerWithFeatures(entry, [.directoryBatches]), "asking for batches by default")
        #expect(try session.receive(forwarder.seal(.directoryComplete)) == [.message(.directoryComplete)])

        var moved = entry
        moved.addresses = ["10.231.1.12"]
        let update = session.reregister(moved)
        #expect(try update.map { try forwarder.open($0) } == .register(moved))
    }

    @Test func withoutFeaturesTheRegistrationIsThePlainOne() throws {
        var session = ForwarderSession(key: key, registration: entry, features: [], nowMilliseconds: now)
        let admitted = try ForwarderHandshake.admit(session.hello, key: key, nowMilliseconds: now)
        var (welcome, forwarder) = ForwarderHandshake.welcome(hello: session.hello, clientNonce: admitted.clientNonce, key: key)
        guard case .send(let register)? = try session.receive(welcome).first else {
            Issue.record("no registration")
            return
        }
        #expect(try forwarder.open(register) == .register(entry))
    }

    /// Docs/protocol.md §9.3, Registration: an older forwarder closes on the
    /// unknown `registerWithFeatures`; the next connection registers plainly,
    /// the one after asks again.
    @Test func anOlderForwarderThatClosesOnTheFeaturesGetsOnePlainRegistration() {
        var features = RegistrationFeatures()
        #expect(features.features == [.directoryBatches])
        features.connectionEnded(admitted: false, registered: false)
        #expect(features.features == [.directoryBatches], "not admitted (unreachable, refused hello): nothing learned")
        features.connectionEnded(admitted: true, registered: true)
        #expect(features.features == [.directoryBatches], "registered with features: keep asking")
        features.connectionEnded(admitted: true, registered: false)
        #expect(features.features == [], "closed after the welcome, before registered: plain next")
        features.connectionEnded(admitted: true, registered: true)
        #expect(features.features == [.directoryBatches], "after one plain registration, ask again")
        features.connectionEnded(admitted: true, registered: false)
        features.connectionEnded(admitted: true, registered: false)
        #expect(features.features == [.directoryBatches], "a plain registration that failed too was not about the features")
    }

    @Test func aWelcomeFromAnotherTeamsForwarderIsRefused() throws {
        var session = ForwarderSession(key: key, registration: entry, nowMilliseconds: now)
        let stranger = TeamKey().subkeys.forwarder
        let (welcome, _) = ForwarderHandshake.welcome(hello: session.hello, clientNonce: [UInt8](repeating: 0, count: 16), key: stranger)
        #expect(throws: ForwarderProtocolError.admissionFailed) { try session.receive(welcome) }
        #expect(!session.isEstablished)
    }

    /// Docs/protocol.md §9.3.1: a hello an hour behind is answered with the
    /// forwarder's time; only a hint made for this very hello with this key counts.
    @Test func aClockHintForThisHelloGivesTheForwardersTimeAndNothingElseDoes() throws {
        var session = ForwarderSession(key: key, registration: entry, nowMilliseconds: now - 3_600_000)
        #expect(throws: ForwarderProtocolError.staleHello) { try ForwarderHandshake.admit(session.hello, key: key, nowMilliseconds: now) }
        let hint = ForwarderHandshake.clockHint(hello: session.hello, key: key, nowMilliseconds: now)
        #expect(try session.receive(hint) == [.clockHint(now)])
        #expect(!session.isEstablished)

        let other = ForwarderSession(key: key, registration: entry, nowMilliseconds: now - 3_600_000)
        var fresh = ForwarderSession(key: key, registration: entry, nowMilliseconds: now - 3_600_000)
        #expect(throws: ForwarderProtocolError.unexpectedMessage(6)) {
            try fresh.receive(ForwarderHandshake.clockHint(hello: other.hello, key: key, nowMilliseconds: now))
        }
        var tampered = hint
        tampered[4] ^= 1
        #expect(throws: ForwarderProtocolError.unexpectedMessage(6)) { try session.receive(tampered) }
    }

    /// Docs/protocol.md §9.3, Liveness: a member sends no keepalive until the
    /// forwarder sends one unasked (an older forwarder, which withdraws a
    /// silent member after 12 s); from then on it answers each one.
    @Test func keepalivesGoOnlyToAnOlderForwarderThatSendsThemUnasked() throws {
        var session = ForwarderSession(key: key, registration: entry, nowMilliseconds: now)
        let admitted = try ForwarderHandshake.admit(session.hello, key: key, nowMilliseconds: now)
        var (welcome, forwarder) = ForwarderHandshake.welcome(hello: session.hello, clientNonce: admitted.clientNonce, key: key)
        guard case .send(let register)? = try session.receive(welcome).first else {
            Issue.record("expected the registration")
            return
        }
        #expect(try forwarder.open(register) == .registerWithFeatures(entry, [.directoryBatches]), "asking for batches by default")
        #expect(try session.receive(forwarder.seal(.directoryComplete)) == [.message(.directoryComplete)])
        #expect(!session.forwarderWantsKeepalives, "a current forwarder sends nothing unasked: the kernel keeps watch")

        let outputs = try session.receive(forwarder.seal(.keepalive))
        #expect(session.forwarderWantsKeepalives)
        guard outputs.count == 2, outputs[0] == .message(.keepalive), case .send(let answer) = outputs[1] else {
            Issue.record("expected the keepalive and an answer, got \(outputs)")
            return
        }
        #expect(try forwarder.open(answer) == .keepalive)
    }
}
