import Crypto
import NatterCore
import NatterWire
import Testing

/// Docs/protocol.md §4.3–§4.4: a first message admits its sender to the one
/// responder it names, once, and never after that responder restarts.
@Suite("Admission bound to the responder")
struct AdmissionTests {
    static let now = SessionPair.now
    let team = TeamKey()
    let bob = DeviceIdentity()
    let carol = DeviceIdentity()

    private func first(to responder: DeviceFingerprint?, at time: UInt64 = Self.now) throws -> [UInt8] {
        var alice = SecureSession(initiator: true, identity: DeviceIdentity(), team: team, responder: responder)
        return try alice.start(nowMilliseconds: time)
    }

    /// What the responder does with `message`, against `cache` (the node's).
    private func answer(
        _ message: [UInt8], as identity: DeviceIdentity, cache: inout HandshakeReplayCache, now: UInt64 = Self.now
    ) throws -> [SecureSession.Output] {
        var session = SecureSession(initiator: false, identity: identity, team: team)
        return try session.receive(message, nowMilliseconds: now) { cache.insert($0.tag, timestamp: $0.timestamp, nowMilliseconds: now) }
    }

    @Test func aFirstMessageBoundToOneMemberIsRefusedByEveryOtherBeforeAnyKeyWork() throws {
        let toBob = try first(to: bob.fingerprint)
        var carolsCache = HandshakeReplayCache()
        #expect(throws: LinkError.admissionFailed, "a capture replayed to Carol costs her two HMACs, no DH") {
            try answer(toBob, as: carol, cache: &carolsCache)
        }
        #expect(carolsCache.count == 0, "and takes no room in her replay cache")
        var bobsCache = HandshakeReplayCache()
        #expect(try answer(toBob, as: bob, cache: &bobsCache).count == 1, "Bob answers it")
    }

    @Test func theBindingCoversTheFullFingerprintAndTheTagDiffersPerResponder() throws {
        let noise = [UInt8](repeating: 5, count: 48)
        let admit = team.subkeys.admit
        let tags = [bob.fingerprint, carol.fingerprint, nil].map { Envelope.firstTag(noise, timestamp: 1, responder: $0, admit: admit) }
        #expect(Set(tags).count == 3)
        // One bit of the fingerprint's last byte changes the tag: the whole 32 bytes count.
        var flipped = bob.fingerprint.bytes
        flipped[31] ^= 1
        #expect(Envelope.firstTag(noise, timestamp: 1, responder: DeviceFingerprint(bytes: flipped), admit: admit) != tags[0])
    }

    @Test func anUnboundFirstMessageIsAdmittedByAnyMemberOnce() throws {
        // The documented residual: a static peer dialled by address.
        let unbound = try first(to: nil)
        var bobsCache = HandshakeReplayCache(), carolsCache = HandshakeReplayCache()
        #expect(try answer(unbound, as: bob, cache: &bobsCache).count == 1)
        #expect(try answer(unbound, as: carol, cache: &carolsCache).count == 1)
        #expect(throws: LinkError.replayedHandshake) { try answer(unbound, as: bob, cache: &bobsCache) }
        let (_, body) = try Envelope.unwrap(unbound)
        #expect(try Envelope.admitFirst(body, admit: team.subkeys.admit, responder: bob.fingerprint, nowMilliseconds: Self.now).bound == false)
    }

    @Test func anInitiatorClosesWhenAnotherMemberAnswersItsDial() throws {
        // Carol holds the team key, so she can ignore the binding and answer a
        // message meant for Bob (here she skips admission); Alice must not link.
        var alice = SecureSession(initiator: true, identity: DeviceIdentity(), team: team, responder: bob.fingerprint)
        let message = try alice.start(nowMilliseconds: Self.now)
        var impostor = SecureSession(initiator: false, identity: carol, team: team)
        let (_, body) = try Envelope.unwrap(message)
        let noise = Array(body.dropFirst(8 + 16))
        let outputs = try impostor.respond(toAdmitted: noise, fullMessage: message)
        guard case .send(let second) = try #require(outputs.first) else { Issue.record("no answer"); return }
        #expect(throws: LinkError.unexpectedResponder) { try alice.receive(second) }
        #expect(!alice.isEstablished)
    }

    @Test func anUnboundDialLinksToWhoeverAnswers() throws {
        var pair = SessionPair(bound: false)
        var cache = HandshakeReplayCache()
        try pair.handshake(cache: &cache)
        #expect(pair.initiator.isEstablished && pair.responder.isEstablished)
    }

    // MARK: Replays across a restart

    @Test func afterARestartNothingWrittenBeforeItIsAdmitted() throws {
        let captured = try first(to: bob.fingerprint, at: Self.now)
        var beforeRestart = HandshakeReplayCache(floorMilliseconds: Self.now - 60_000)
        #expect(try answer(captured, as: bob, cache: &beforeRestart).count == 1)
        // Bob restarts 10 s later: his cache is empty, its floor is his start.
        let restart = Self.now + 10_000
        var afterRestart = HandshakeReplayCache(floorMilliseconds: restart)
        #expect(throws: LinkError.replayedHandshake, "within ±120 s, but written before Bob started") {
            try answer(captured, as: bob, cache: &afterRestart, now: restart + 1_000)
        }
        let fresh = try first(to: bob.fingerprint, at: restart + 1_000)
        #expect(try answer(fresh, as: bob, cache: &afterRestart, now: restart + 1_000).count == 1, "a new dial links")
    }

    @Test func aPeerWhoseClockIsBehindLinksOnceTheResponderHasRunThatLong() throws {
        // The cost for honest peers: Alice's clock is 30 s behind Bob's. For
        // Bob's first 30 s her message 1s look older than his start.
        let start = Self.now
        var cache = HandshakeReplayCache(floorMilliseconds: start)
        let skew: UInt64 = 30_000
        let early = try first(to: bob.fingerprint, at: start + 5_000 - skew)
        #expect(throws: LinkError.replayedHandshake) { try answer(early, as: bob, cache: &cache, now: start + 5_000) }
        let later = try first(to: bob.fingerprint, at: start + 31_000 - skew)
        #expect(try answer(later, as: bob, cache: &cache, now: start + 31_000).count == 1)
    }
}

@Suite("Handshake replay cache")
struct HandshakeReplayCacheTests {
    static let now: UInt64 = 1_764_000_000_000
    static func tag(_ n: Int) -> [UInt8] { [UInt8(n & 0xff), UInt8(n >> 8)] + [UInt8](repeating: 0, count: 14) }

    /// Inserts tag `n` written at `now + offset`; the answer of the cache.
    static func insert(_ n: Int, at offset: UInt64, into cache: inout HandshakeReplayCache, now: UInt64 = Self.now) -> Bool {
        cache.insert(tag(n), timestamp: Self.now + offset, nowMilliseconds: now)
    }

    @Test func aTagIsFreshOnceAndTheFloorRefusesOlderTimestamps() {
        var cache = HandshakeReplayCache(floorMilliseconds: Self.now)
        let answers = [Self.insert(1, at: 0, into: &cache), Self.insert(1, at: 0, into: &cache)]
        #expect(answers == [true, false])
        let older = cache.insert(Self.tag(2), timestamp: Self.now - 1, nowMilliseconds: Self.now)
        #expect(!older, "written before the floor (the responder's start)")
    }

    @Test func whenFullTagsPastTheToleranceGoFirstAndTheFloorStays() {
        var cache = HandshakeReplayCache(capacity: 4, floorMilliseconds: 0)
        let first = (0..<4).map { Self.insert($0, at: UInt64($0), into: &cache) }
        #expect(first == [true, true, true, true])
        // 121 s later the four are past the tolerance: forgotten, no floor raised.
        let later = Self.insert(9, at: 121_000, into: &cache, now: Self.now + 121_000)
        #expect(later)
        #expect(cache.count == 1 && cache.floor == 0)
    }

    @Test func evictingALiveTagRaisesTheFloorPastItSoItStaysRefused() {
        var cache = HandshakeReplayCache(capacity: 4, floorMilliseconds: 0)
        let first = (0..<4).map { Self.insert($0, at: UInt64($0), into: &cache) }
        #expect(first == [true, true, true, true])
        let fifth = Self.insert(4, at: 10, into: &cache)
        #expect(fifth)
        #expect(cache.count == 4, "bounded")
        #expect(cache.floor == Self.now + 1)
        let evicted = Self.insert(0, at: 0, into: &cache)
        let held = Self.insert(1, at: 1, into: &cache)
        let newer = Self.insert(5, at: 20, into: &cache)
        #expect(!evicted, "the evicted tag is still a replay")
        #expect(!held, "and the one still held")
        #expect(newer, "newer messages carry on")
    }

    @Test func memoryStaysBoundedUnderAStormOfDistinctTags() {
        var cache = HandshakeReplayCache(capacity: 64, floorMilliseconds: 0)
        for n in 0..<1_000 { _ = Self.insert(n, at: UInt64(n), into: &cache, now: Self.now + UInt64(n)) }
        #expect(cache.count <= 64)
        let replay = Self.insert(0, at: 0, into: &cache, now: Self.now + 1_000)
        #expect(!replay)
    }
}
