import Crypto
import NatterCore
@testable import NatterWire
import Testing

/// Docs/protocol.md §4.4.1: a colleague whose clock is an hour off links,
/// with no key work before admission and the replay cache unchanged.
@Suite("Clock hints: a stale but admitted first message is answered with the responder's time")
struct ClockHintTests {
    static let now = SessionPair.now
    static let hour: UInt64 = 3_600_000

    /// The responder's side of one first message at its time `now`, as a node runs it.
    func respond(_ responder: inout SecureSession, to first: [UInt8], now: UInt64, cache: inout HandshakeReplayCache, hintAllowed: Bool = true)
        -> (outputs: [SecureSession.Output], answer: [UInt8]?)
    {
        do {
            return (try responder.receive(first, nowMilliseconds: now) { cache.insert($0.tag, timestamp: $0.timestamp, nowMilliseconds: now) }, nil)
        } catch {
            return ([], responder.answer(refusing: first, after: error, nowMilliseconds: now, hintAllowed: hintAllowed))
        }
    }

    @Test func anInitiatorAnHourBehindLearnsTheResponderTimeAndLinksOnItsNextDial() throws {
        let team = TeamKey()
        let bob = DeviceIdentity(), alice = DeviceIdentity()
        var cache = HandshakeReplayCache(floorMilliseconds: Self.now - 10_000)
        var clocks = PeerClocks()
        let target = PeerClocks.target(peer: bob.fingerprint, host: "10.0.0.12", port: 7000)
        let bobsTime = Self.now + Self.hour

        var first = SecureSession(initiator: true, identity: alice, team: team, responder: bob.fingerprint)
        let message1 = try first.start(nowMilliseconds: clocks.timestamp(to: target, wallClock: Self.now))
        var bobFirst = SecureSession(initiator: false, identity: bob, team: team)
        let refused = respond(&bobFirst, to: message1, now: bobsTime, cache: &cache)
        #expect(refused.outputs.isEmpty && !bobFirst.isEstablished, "refused: no message 2, no DH")
        #expect(cache.count == 0, "a stale message is not recorded")
        let hint = try #require(refused.answer)
        #expect(hint.count == 2 + ClockHint.bodyLength && hint[1] == Envelope.MessageType.clockHint.rawValue)

        let outputs = try first.receive(hint)
        #expect(outputs == [.clockHint(responderMilliseconds: bobsTime)])
        let offset = clocks.learned(responderMilliseconds: bobsTime, sentAt: Self.now, receivedAt: Self.now + 4, from: target)
        #expect(offset == Int64(Self.hour) - 2, "the hint is taken as the responder's time at the round trip's midpoint")

        var pair = SessionPair(team: team)
        pair.initiator = SecureSession(initiator: true, identity: alice, team: team, responder: bob.fingerprint)
        pair.responder = SecureSession(initiator: false, identity: bob, team: team)
        let again = try pair.initiator.start(nowMilliseconds: clocks.timestamp(to: target, wallClock: Self.now + 1_000))
        let answered = respond(&pair.responder, to: again, now: bobsTime + 1_000, cache: &cache)
        #expect(answered.answer == nil)
        guard case .send(let message2)? = answered.outputs.first else { Issue.record("no message 2: \(answered.outputs)"); return }
        let finished = try pair.initiator.receive(message2)
        guard case .send(let message3)? = finished.first else { Issue.record("no message 3"); return }
        _ = try pair.responder.receive(message3)
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
        #expect(cache.count == 1, "the replay cache holds the retry's tag, as for any admitted message")
        var replayTarget = SecureSession(initiator: false, identity: bob, team: team)
        let replay = respond(&replayTarget, to: again, now: bobsTime + 1_000, cache: &cache)
        #expect(replay.outputs.isEmpty && replay.answer != nil, "the retry replayed is refused (with a decoy), as any replay")
    }

    @Test func aHintAnswersOnlyTheMessageItWasMadeForAndAStrangerCannotReadOrForgeIt() throws {
        let team = TeamKey()
        var alice = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        var carol = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        let aliceFirst = try alice.start(nowMilliseconds: Self.now)
        let carolFirst = try carol.start(nowMilliseconds: Self.now)
        let hint = ClockHint.hint(answering: aliceFirst, responderMilliseconds: Self.now + Self.hour, admit: team.subkeys.admit)

        #expect(throws: LinkError.refusedByResponder, "bound to Alice's message 1: replayed to Carol, it is refused") { try carol.receive(hint) }
        let body = Array(hint.dropFirst(2))
        #expect(ClockHint.read(body, answering: aliceFirst, admit: TeamKey().subkeys.admit) == nil, "another team's key reads nothing")
        #expect(ClockHint.read(body, answering: aliceFirst, admit: team.subkeys.admit) == Self.now + Self.hour)
        #expect(ClockHint.read(body, answering: carolFirst, admit: team.subkeys.admit) == nil)
        var tampered = body
        tampered[0] ^= 1
        #expect(ClockHint.read(tampered, answering: aliceFirst, admit: team.subkeys.admit) == nil, "a changed time fails the tag")
        var plain: [UInt8] = []
        FrameCodec.append(Self.now + Self.hour, to: &plain)
        #expect(Array(body.prefix(8)) != plain, "the time is masked, not in the clear")
    }

    @Test func everyRefusalAtAdmissionIsAnsweredAlikeSoNoReplayCanAskWhoIsHere() throws {
        let team = TeamKey()
        let bob = DeviceIdentity()
        var initiator = SecureSession(initiator: true, identity: DeviceIdentity(), team: team, responder: bob.fingerprint)
        let first = try initiator.start(nowMilliseconds: Self.now)
        var cache = HandshakeReplayCache()

        // The device it names, a day later (a captured message replayed in a café): a hint.
        var bobLater = SecureSession(initiator: false, identity: bob, team: team)
        let toBob = try #require(respond(&bobLater, to: first, now: Self.now + 86_400_000, cache: &cache).answer)
        // Any other member: the tag names someone else.
        var dave = SecureSession(initiator: false, identity: DeviceIdentity(), team: team)
        let toDave = try #require(respond(&dave, to: first, now: Self.now + 86_400_000, cache: &cache).answer)
        // Another team's device.
        var stranger = SecureSession(initiator: false, identity: DeviceIdentity(), team: TeamKey())
        let toStranger = try #require(respond(&stranger, to: first, now: Self.now, cache: &cache).answer)
        // Bob's hint budget spent.
        var busyBob = SecureSession(initiator: false, identity: bob, team: team)
        let budgetSpent = try #require(respond(&busyBob, to: first, now: Self.now + 86_400_000, cache: &cache, hintAllowed: false).answer)
        // A replay inside the window.
        var original = SecureSession(initiator: false, identity: bob, team: team)
        #expect(!respond(&original, to: first, now: Self.now, cache: &cache).outputs.isEmpty)
        var replayed = SecureSession(initiator: false, identity: bob, team: team)
        let toReplay = try #require(respond(&replayed, to: first, now: Self.now, cache: &cache).answer)

        let answers = [toBob, toDave, toStranger, budgetSpent, toReplay]
        #expect(Set(answers.map(\.count)) == [26] && Set(answers.map { Array($0.prefix(2)) }) == [[2, 5]], "one shape for every refusal")
        #expect(Set(answers).count == answers.count, "none repeats: decoys are random")
        #expect(ClockHint.read(Array(toBob.dropFirst(2)), answering: first, admit: team.subkeys.admit) == Self.now + 86_400_000)
        for decoy in answers.dropFirst() {
            #expect(ClockHint.read(Array(decoy.dropFirst(2)), answering: first, admit: team.subkeys.admit) == nil)
        }
        var malformed = SecureSession(initiator: false, identity: bob, team: team)
        #expect(respond(&malformed, to: [2, 1, 0], now: Self.now, cache: &cache).answer == nil, "malformed input: closed silently")
    }

    @Test func differencesAreReportedOncePerColleagueAndAgainOnlyWhenTheyMove() {
        var clocks = PeerClocks()
        let bob = DeviceIdentity().fingerprint, carol = DeviceIdentity().fingerprint
        let target = PeerClocks.target(peer: bob, host: "10.0.0.12", port: 7000)
        clocks.learned(responderMilliseconds: Self.now + Self.hour, sentAt: Self.now, receivedAt: Self.now, from: target)
        #expect(clocks.timestamp(to: target, wallClock: Self.now) == Self.now + Self.hour)
        #expect(clocks.timestamp(to: "10.0.0.13:7000", wallClock: Self.now) == Self.now, "another peer: this clock")

        #expect(clocks.linked(bob, initiator: true, target: target, remoteHost: "10.0.0.12", now: Self.now) == Int64(Self.hour))
        #expect(clocks.linked(bob, initiator: true, target: target, remoteHost: "10.0.0.12", now: Self.now + 5_000) == nil, "not per attempt")
        #expect(clocks.differences == [bob: Int64(Self.hour)])

        // The responder's side: a hint to Carol's address, then her link from it.
        clocks.hinted(firstMessageAt: Self.now - 300_000, from: "10.0.0.13", now: Self.now)
        #expect(clocks.linked(carol, initiator: false, target: nil, remoteHost: "10.0.0.14", now: Self.now + 1_000) == nil, "another address")
        #expect(clocks.linked(carol, initiator: false, target: nil, remoteHost: "10.0.0.13", now: Self.now + 1_000) == -300_000)
        #expect(clocks.linked(carol, initiator: false, target: nil, remoteHost: "10.0.0.13", now: Self.now + 2_000) == nil)

        // Bob sets his clock right: the next hint moves the offset back, reported once.
        clocks.learned(responderMilliseconds: Self.now + 10, sentAt: Self.now, receivedAt: Self.now, from: target)
        #expect(clocks.linked(bob, initiator: true, target: target, remoteHost: "10.0.0.12", now: Self.now) == 10)
        #expect(clocks.differences == [carol: -300_000])
        // A hint older than its memory is not tied to a link.
        var late = PeerClocks()
        late.hinted(firstMessageAt: Self.now - 300_000, from: "10.0.0.13", now: Self.now)
        let memory = UInt64(WireConstants.clockHintMemory.wholeMilliseconds)
        #expect(late.linked(carol, initiator: false, target: nil, remoteHost: "10.0.0.13", now: Self.now + memory + 1) == nil)
    }

    @Test func theTablesAreBounded() {
        var clocks = PeerClocks(capacity: 3)
        for index in 0..<10 {
            clocks.learned(responderMilliseconds: Self.now + Self.hour, sentAt: Self.now, receivedAt: Self.now, from: "host\(index):1")
            clocks.hinted(firstMessageAt: Self.now + Self.hour, from: "10.0.0.\(index)", now: Self.now + UInt64(index))
            _ = clocks.linked(DeviceIdentity().fingerprint, initiator: true, target: "host\(index):1", remoteHost: "", now: Self.now)
        }
        #expect(clocks.offset(for: "host0:1") == nil && clocks.offset(for: "host9:1") == Int64(Self.hour), "the oldest offset went")
        #expect(clocks.differences.count == 3)
        #expect(clocks.linked(DeviceIdentity().fingerprint, initiator: false, target: nil, remoteHost: "10.0.0.0", now: Self.now + 20) == nil, "the oldest hint went")
        #expect(clocks.linked(DeviceIdentity().fingerprint, initiator: false, target: nil, remoteHost: "10.0.0.9", now: Self.now + 20) == Int64(Self.hour) - 9, "hinted at now + 9")
    }

    @Test func differencesReadAsPeopleSayThem() {
        #expect(PeerClocks.describe(3_600_004) == "1 h ahead of this one")
        #expect(PeerClocks.describe(-3_723_000) == "1 h 2 min 3 s behind this one")
        #expect(PeerClocks.describe(300_000) == "5 min ahead of this one")
        #expect(PeerClocks.describe(-42_400) == "42 s behind this one")
        #expect(PeerClocks.describe(300) == "the same as this one")
    }
}
