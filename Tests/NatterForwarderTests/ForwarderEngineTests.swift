import NatterForwarder
import NatterWire
import Testing

/// A deterministic random source (SplitMix64), so tokens and indexes repeat run to run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A member as the tests play it: its control connection and its end of the sealed channel.
final class FakeMember {
    let id: ConnectionID
    let remote: String
    var channel: ForwarderChannel
    let keyed: [UInt8]
    init(id: ConnectionID, remote: String, channel: ForwarderChannel, keyed: [UInt8]) {
        self.id = id
        self.remote = remote
        self.channel = channel
        self.keyed = keyed
    }

    func entry(udpPort: UInt16 = 7301, addresses: [String] = ["192.168.1.5"]) -> DirectoryEntry {
        DirectoryEntry(keyedFingerprint: keyed, addresses: addresses, tcpPort: 7300, udpPort: udpPort, sealedRecord: [1, 2, 3])
    }

    /// Opens, in order, everything the forwarder sent this member.
    func inbox(_ actions: [ForwarderAction]) throws -> [ForwarderMessage] {
        try actions.compactMap { action in
            guard case .send(let to, let bytes) = action, to == id else { return nil }
            return try channel.open(bytes)
        }
    }
}

struct Harness {
    let key = TeamKey().subkeys.forwarder
    var engine: ForwarderEngine<SeededRandom>
    var time = ForwarderTime(monotonic: ContinuousClock.now, unixMilliseconds: 1_790_000_000_000)
    var nextID: UInt64 = 1

    init(settings: ForwarderSettings = ForwarderSettings()) {
        engine = ForwarderEngine(key: key, settings: settings, random: SeededRandom(state: 42), now: time.monotonic)
    }

    mutating func advance(_ duration: Duration) -> [ForwarderAction] {
        time = time + duration
        return engine.tick(now: time)
    }

    mutating func open(from remote: String = "10.0.0.1") -> (ConnectionID, [ForwarderAction]) {
        let id = ConnectionID(nextID)
        nextID += 1
        return (id, engine.connectionOpened(id, remoteAddress: remote, now: time))
    }

    /// Connects and completes the handshake.
    mutating func member(_ byte: UInt8, from remote: String = "10.0.0.1") throws -> FakeMember {
        let (id, opened) = open(from: remote)
        #expect(opened.isEmpty)
        let client = ForwarderClientHandshake(key: key, nowMilliseconds: time.unixMilliseconds)
        let actions = engine.received(id, message: client.hello, now: time)
        guard case .send(id, let welcome)? = actions.first else {
            Issue.record("no welcome: \(actions)")
            throw ForwarderProtocolError.truncated
        }
        return FakeMember(id: id, remote: remote, channel: try client.complete(welcome: welcome), keyed: Array(repeating: byte, count: 16))
    }

    mutating func send(_ member: FakeMember, _ message: ForwarderMessage) -> [ForwarderAction] {
        engine.received(member.id, message: member.channel.seal(message), now: time)
    }

    /// A member that is connected and registered (its directory read).
    mutating func registered(_ byte: UInt8, from remote: String = "10.0.0.1", udpPort: UInt16 = 7301) throws -> (FakeMember, [ForwarderAction]) {
        let member = try member(byte, from: remote)
        let actions = send(member, .register(member.entry(udpPort: udpPort)))
        return (member, actions)
    }
}

func sends(_ actions: [ForwarderAction]) -> [ForwarderAction] {
    actions.filter { if case .send = $0 { true } else { false } }
}

func closes(_ actions: [ForwarderAction]) -> [ConnectionID] {
    actions.compactMap { if case .close(let id) = $0 { id } else { nil } }
}

func invitation(_ messages: [ForwarderMessage]) -> RelayInvitation? {
    for case .relayInvitation(let invitation) in messages { return invitation }
    return nil
}

@Suite("Forwarder engine")
struct ForwarderEngineTests {
    // MARK: Admission

    @Test func strangersAndReplayedHellosGetNoByteAtAll() throws {
        var h = Harness()
        let stranger = ForwarderClientHandshake(key: TeamKey().subkeys.forwarder, nowMilliseconds: h.time.unixMilliseconds)
        let good = ForwarderClientHandshake(key: h.key, nowMilliseconds: h.time.unixMilliseconds)
        let cases: [([UInt8], RefusalReason)] = [
            (stranger.hello, .stranger), ([1], .malformed), ([9, 9, 9], .malformed),
            (ForwarderEnvelope.wrap(.sealed, [1, 2, 3]), .malformed),
        ]
        for (message, reason) in cases {
            let (id, _) = h.open()
            let actions = h.engine.received(id, message: message, now: h.time)
            #expect(sends(actions).isEmpty, "\(reason)")
            #expect(closes(actions) == [id])
            #expect(h.engine.refused[reason] ?? 0 >= 1)
        }
        let (first, _) = h.open()
        #expect(sends(h.engine.received(first, message: good.hello, now: h.time)).count == 1)
        let (replay, _) = h.open()
        let actions = h.engine.received(replay, message: good.hello, now: h.time)
        #expect(sends(actions).isEmpty && closes(actions) == [replay])
        #expect(h.engine.refused[.replayed] == 1)
    }

    /// Docs/protocol.md §9.3.1: a member whose clock is an hour off is told
    /// this forwarder's time, once per hello, within a budget per source;
    /// the forwarder says by how much at warning level, and the member's next
    /// hello, stamped in its time, is admitted with the replay rule unchanged.
    @Test func aMemberAnHourBehindGetsAClockHintAndRegistersInTheForwardersTime() throws {
        var h = Harness()
        let behind = ForwarderClientHandshake(key: h.key, nowMilliseconds: h.time.unixMilliseconds - 3_600_000)
        let (id, _) = h.open()
        let actions = h.engine.received(id, message: behind.hello, now: h.time)
        #expect(closes(actions) == [id] && h.engine.refused[.stale] == 1)
        guard case .send(_, let hint)? = sends(actions).first else {
            Issue.record("no clock hint: \(actions)")
            return
        }
        #expect(behind.clockHint(hint) == h.time.unixMilliseconds, "the member reads the forwarder's time")
        #expect(ForwarderClientHandshake(key: h.key, nowMilliseconds: 0).clockHint(hint) == nil, "bound to the hello it answers")
        #expect(ForwarderClientHandshake(key: TeamKey().subkeys.forwarder, nowMilliseconds: 0).clockHint(hint) == nil)
        #expect(actions.contains { if case .log(.warning, let text) = $0 { text.contains("has a clock 1 h behind this one") } else { false } }, "\(actions)")

        let inTime = ForwarderClientHandshake(key: h.key, nowMilliseconds: h.time.unixMilliseconds)
        let (next, _) = h.open()
        #expect(sends(h.engine.received(next, message: inTime.hello, now: h.time)).count == 1, "welcomed")

        for _ in 0..<WireConstants.clockHintsPerSource {
            let (again, _) = h.open(from: "10.0.0.9")
            #expect(sends(h.engine.received(again, message: behind.hello, now: h.time)).count == 1)
        }
        let (over, _) = h.open(from: "10.0.0.9")
        let silent = h.engine.received(over, message: behind.hello, now: h.time)
        #expect(sends(silent).isEmpty && closes(silent) == [over], "past the budget: silence, as before hints")
    }

    @Test func silentNewConnectionsTimeOutAndHandshakesAreRateLimitedPerSource() {
        var settings = ForwarderSettings()
        settings.handshakesPerSource = 3
        var h = Harness(settings: settings)
        let (idle, _) = h.open(from: "10.0.0.9")
        #expect(h.advance(.seconds(4)).isEmpty)
        let timedOut = h.advance(.seconds(1))
        #expect(closes(timedOut) == [idle] && sends(timedOut).isEmpty)
        #expect(h.engine.refused[.timeout] == 1)
        _ = h.open(from: "10.0.0.9")
        _ = h.open(from: "10.0.0.9")
        let (fourth, actions) = h.open(from: "10.0.0.9")
        #expect(closes(actions) == [fourth] && sends(actions).isEmpty)
        #expect(h.engine.refused[.rateLimited] == 1)
        #expect(h.open(from: "10.0.0.8").1.isEmpty, "another source is not limited")
    }

    // MARK: Directory

    @Test func registerAnswersWithTheDirectoryAndAnnouncesToOthers() throws {
        var h = Harness()
        let (a, first) = try h.registered(1, from: "10.0.0.1")
        #expect(try a.inbox(first) == [.registered(observedAddress: "10.0.0.1", relayUDPPort: 7310), .directoryComplete])
        let b = try h.member(2, from: "10.0.0.2")
        let actions = h.send(b, .register(b.entry(addresses: ["10.0.0.2", "192.168.7.7"])))
        var expectedA = a.entry()
        expectedA.addresses = ["10.0.0.1", "192.168.1.5"]
        #expect(try b.inbox(actions) == [.registered(observedAddress: "10.0.0.2", relayUDPPort: 7310), .peer(expectedA), .directoryComplete])
        var expectedB = b.entry()
        expectedB.addresses = ["10.0.0.2", "192.168.7.7"]
        #expect(try a.inbox(actions) == [.peer(expectedB)], "the observed address is first, without a duplicate")
        #expect(h.engine.registeredPeers == 2)
    }

    @Test func addressesAreCappedAndARepeatedRegisterIsAnUpdate() throws {
        var h = Harness()
        let (a, first) = try h.registered(1)
        _ = try a.inbox(first)
        let (b, second) = try h.registered(2, from: "10.0.0.2")
        _ = try a.inbox(second)
        _ = try b.inbox(second)
        let many = (1...9).map { "172.16.0.\($0)" }
        let update = h.send(a, .register(a.entry(udpPort: 9999, addresses: many)))
        #expect(try a.inbox(update) == [.registered(observedAddress: "10.0.0.1", relayUDPPort: 7310)], "no second directory")
        let announced = try b.inbox(update)
        guard case .peer(let entry)? = announced.first, announced.count == 1 else {
            Issue.record("expected one announcement, got \(announced)")
            return
        }
        #expect(entry.udpPort == 9999)
        #expect(entry.addresses == ["10.0.0.1"] + many.prefix(7))
        #expect(entry.addresses.count == DirectoryEntry.maximumAddresses)
    }

    @Test func theSameMemberOnANewConnectionReplacesTheOld() throws {
        var h = Harness()
        let (old, first) = try h.registered(1)
        _ = try old.inbox(first)
        let (b, second) = try h.registered(2, from: "10.0.0.2")
        _ = try b.inbox(second)
        let (new, actions) = try h.registered(1, from: "10.0.0.3")
        #expect(closes(actions) == [old.id])
        #expect(try new.inbox(actions).contains(.directoryComplete))
        let toB = try b.inbox(actions)
        #expect(toB.count == 1)
        if case .peer(let entry)? = toB.first { #expect(entry.addresses.first == "10.0.0.3") } else { Issue.record("\(toB)") }
        #expect(h.engine.registeredPeers == 2)
        // The old connection's close, when it comes, withdraws nothing.
        #expect(sends(h.engine.connectionClosed(old.id, now: h.time)).isEmpty)
        #expect(h.engine.registeredPeers == 2)
    }

    @Test func overTheCapARegistrationIsClosed() throws {
        var settings = ForwarderSettings()
        settings.maximumPeers = 1
        var h = Harness(settings: settings)
        _ = try h.registered(1)
        let (b, actions) = try h.registered(2, from: "10.0.0.2")
        #expect(closes(actions) == [b.id])
        #expect(sends(actions).isEmpty)
        #expect(h.engine.refused[.peerCapacity] == 1)
        #expect(h.engine.registeredPeers == 1)
    }

    // MARK: Liveness

    /// Docs/protocol.md §9.3, Liveness: the kernel watches an idle member,
    /// not the engine. It sends nothing unasked and withdraws nobody for
    /// silence; a closed connection (the kernel's keepalives gave up) withdraws
    /// at once; an older member's keepalive is answered, once per keepalive.
    @Test func idleMembersCostNothingAndAClosedConnectionWithdrawsAtOnce() throws {
        var h = Harness()
        let (a, first) = try h.registered(1)
        _ = try a.inbox(first)
        let (b, second) = try h.registered(2, from: "10.0.0.2")
        _ = try a.inbox(second)
        _ = try b.inbox(second)
        for _ in 0..<60 {
            #expect(h.advance(.seconds(1)).isEmpty, "a minute of silence: no keepalive, no withdrawal")
        }
        #expect(h.engine.registeredPeers == 2)
        #expect(try a.inbox(h.send(a, .keepalive)) == [.keepalive], "an older member hears back")
        let gone = h.engine.connectionClosed(b.id, now: h.time)
        #expect(try a.inbox(gone) == [.peerGone(keyedFingerprint: b.keyed)])
        #expect(h.engine.registeredPeers == 1)
    }

    /// The kernel's settings keep the promise of §9.3: a vanished member is
    /// withdrawn within 15 s of its last acknowledgement, idle or not.
    @Test func theKernelKeepalivesNoticeAVanishedMemberWithin15Seconds() {
        let keepalive = ForwarderSettings().keepalive
        #expect(keepalive == .standard)
        #expect(keepalive.idleDetection == .seconds(14))
        #expect(keepalive.userTimeout <= .seconds(15))
        #expect(keepalive.idleDetection <= .seconds(15))
    }

    @Test func goodbyeWithdrawsAtOnce() throws {
        var h = Harness()
        let (a, first) = try h.registered(1)
        _ = try a.inbox(first)
        let (b, second) = try h.registered(2, from: "10.0.0.2")
        _ = try a.inbox(second)
        let actions = h.send(b, .goodbye)
        #expect(closes(actions) == [b.id])
        #expect(try a.inbox(actions) == [.peerGone(keyedFingerprint: b.keyed)])
        // A closed TCP connection does the same.
        let (c, registration) = try h.registered(3, from: "10.0.0.3")
        _ = try a.inbox(registration)
        let closed = h.engine.connectionClosed(c.id, now: h.time)
        #expect(try a.inbox(closed).last == .peerGone(keyedFingerprint: c.keyed))
    }

    @Test func aMessageThatFailsToOpenClosesTheConnection() throws {
        var h = Harness()
        let (a, first) = try h.registered(1)
        _ = try a.inbox(first)
        let actions = h.engine.received(a.id, message: ForwarderEnvelope.wrap(.sealed, Array(repeating: 0, count: 40)), now: h.time)
        #expect(closes(actions) == [a.id])
        #expect(h.engine.registeredPeers == 0)
    }

    // MARK: Relays

    struct Pair {
        var a: FakeMember
        var b: FakeMember
    }

    func pair(_ h: inout Harness) throws -> Pair {
        let (a, first) = try h.registered(1, from: "10.0.0.1", udpPort: 5001)
        _ = try a.inbox(first)
        let (b, second) = try h.registered(2, from: "10.0.0.2", udpPort: 5002)
        _ = try a.inbox(second)
        _ = try b.inbox(second)
        return Pair(a: a, b: b)
    }

    @Test func aRelayRequestToARegisteredMemberInvitesBoth() throws {
        var h = Harness()
        let p = try pair(&h)
        let actions = h.send(p.a, .relayRequest(id: 7, target: p.b.keyed))
        let forA = try #require(invitation(try p.a.inbox(actions)))
        let forB = try #require(invitation(try p.b.inbox(actions)))
        #expect(forA.requestID == 7 && forA.peer == p.b.keyed && forA.initiator)
        #expect(forB.requestID == 0 && forB.peer == p.a.keyed && !forB.initiator)
        #expect(forA.token.count == 32 && forB.token.count == 32 && forA.token != forB.token)
        #expect(forA.datagramIndex != 0 && forB.datagramIndex != 0 && forA.datagramIndex != forB.datagramIndex)
        let a = RelayEndpoint(host: "10.0.0.1", port: 5001), b = RelayEndpoint(host: "10.0.0.2", port: 5002)
        #expect(actions.contains(.addRoute(index: forA.datagramIndex, DatagramRoute(owner: p.a.keyed, source: a, destination: b))))
        #expect(actions.contains(.addRoute(index: forB.datagramIndex, DatagramRoute(owner: p.b.keyed, source: b, destination: a))))
        #expect(h.engine.activeRelays == 1)
    }

    @Test func nobodyCanBeRelayedToWhoIsNotRegistered() throws {
        var h = Harness()
        let p = try pair(&h)
        let stranger = Array(repeating: UInt8(9), count: 16)
        #expect(try p.a.inbox(h.send(p.a, .relayRequest(id: 1, target: stranger))) == [.relayRefused(id: 1, reason: .notRegistered)])
        #expect(try p.a.inbox(h.send(p.a, .relayRequest(id: 2, target: p.a.keyed))) == [.relayRefused(id: 2, reason: .notRegistered)])
        // Nor by someone who has not registered: registering is the first thing a member does.
        let c = try h.member(3, from: "10.0.0.3")
        let unregistered = h.send(c, .relayRequest(id: 3, target: p.a.keyed))
        #expect(sends(unregistered).isEmpty && closes(unregistered) == [c.id])
        #expect(h.engine.activeRelays == 0)
    }

    @Test func relayRequestsAreRateLimitedAndCapped() throws {
        var settings = ForwarderSettings()
        settings.maximumRelays = 12
        var h = Harness(settings: settings)
        let p = try pair(&h)
        for id in 1...10 {
            let actions = h.send(p.a, .relayRequest(id: UInt32(id), target: p.b.keyed))
            #expect(invitation(try p.a.inbox(actions)) != nil)
            _ = try p.b.inbox(actions)
        }
        #expect(try p.a.inbox(h.send(p.a, .relayRequest(id: 11, target: p.b.keyed))) == [.relayRefused(id: 11, reason: .rateLimited)])
        let tick = h.advance(.seconds(10))
        _ = try p.a.inbox(tick)
        let later = h.send(p.a, .relayRequest(id: 12, target: p.b.keyed))
        #expect(invitation(try p.a.inbox(later)) != nil, "a new window (and the unjoined relays expired)")
        var settings2 = ForwarderSettings()
        settings2.maximumRelays = 1
        var h2 = Harness(settings: settings2)
        let q = try pair(&h2)
        let granted = h2.send(q.a, .relayRequest(id: 1, target: q.b.keyed))
        #expect(invitation(try q.a.inbox(granted)) != nil)
        _ = try q.b.inbox(granted)
        #expect(try q.b.inbox(h2.send(q.b, .relayRequest(id: 2, target: q.a.keyed))).contains(.relayRefused(id: 2, reason: .capacity)))
    }

    @Test func tokensAreSingleUseAndTheSpliceWaitsForBothJoins() throws {
        var h = Harness()
        let p = try pair(&h)
        let request = h.send(p.a, .relayRequest(id: 1, target: p.b.keyed))
        let forA = try #require(invitation(try p.a.inbox(request)))
        let forB = try #require(invitation(try p.b.inbox(request)))
        let (legA, _) = h.open(from: "10.0.0.1")
        let first = h.engine.received(legA, message: ForwarderEnvelope.join(token: forA.token), now: h.time)
        #expect(sends(first).isEmpty && closes(first).isEmpty, "nothing until both joined")
        let (again, _) = h.open(from: "10.0.0.1")
        let reused = h.engine.received(again, message: ForwarderEnvelope.join(token: forA.token), now: h.time)
        #expect(sends(reused).isEmpty && closes(reused) == [again])
        #expect(h.engine.refused[.unknownToken] == 1)
        let (legB, _) = h.open(from: "10.0.0.2")
        let both = h.engine.received(legB, message: ForwarderEnvelope.join(token: forB.token), now: h.time)
        #expect(
            both.filter { if case .log = $0 { false } else { true } } == [
                .send(legA, ForwarderEnvelope.joined), .send(legB, ForwarderEnvelope.joined),
                .splice(legA, memberA: p.a.keyed, legB, memberB: p.b.keyed),
            ])
        // Either side closing closes the other and removes the routes.
        let closed = h.engine.connectionClosed(legB, now: h.time)
        #expect(closes(closed) == [legA])
        #expect(closed.contains(.removeRoute(index: forA.datagramIndex)) && closed.contains(.removeRoute(index: forB.datagramIndex)))
        #expect(h.engine.activeRelays == 0)
        #expect(h.engine.trackedConnections == 2, "only the two control connections")
    }

    @Test func unjoinedRelaysExpireAfter10Seconds() throws {
        var h = Harness()
        let p = try pair(&h)
        let request = h.send(p.a, .relayRequest(id: 1, target: p.b.keyed))
        let forA = try #require(invitation(try p.a.inbox(request)))
        let forB = try #require(invitation(try p.b.inbox(request)))
        let (legA, _) = h.open(from: "10.0.0.1")
        _ = h.engine.received(legA, message: ForwarderEnvelope.join(token: forA.token), now: h.time)
        for _ in 0..<9 {
            let tick = h.advance(.seconds(1))
            _ = try p.a.inbox(tick)
            _ = try p.b.inbox(tick)
        }
        #expect(h.engine.activeRelays == 1)
        let expiry = h.advance(.seconds(1))
        #expect(closes(expiry) == [legA])
        #expect(expiry.contains(.removeRoute(index: forA.datagramIndex)))
        #expect(h.engine.activeRelays == 0)
        let (late, _) = h.open(from: "10.0.0.2")
        let actions = h.engine.received(late, message: ForwarderEnvelope.join(token: forB.token), now: h.time)
        #expect(closes(actions) == [late] && sends(actions).isEmpty)
    }

    @Test func aWithdrawnMemberTakesItsRelaysWithIt() throws {
        var h = Harness()
        let p = try pair(&h)
        let request = h.send(p.a, .relayRequest(id: 1, target: p.b.keyed))
        let forA = try #require(invitation(try p.a.inbox(request)))
        let forB = try #require(invitation(try p.b.inbox(request)))
        let (legA, _) = h.open(from: "10.0.0.1")
        let (legB, _) = h.open(from: "10.0.0.2")
        _ = h.engine.received(legA, message: ForwarderEnvelope.join(token: forA.token), now: h.time)
        _ = h.engine.received(legB, message: ForwarderEnvelope.join(token: forB.token), now: h.time)
        let bye = h.send(p.b, .goodbye)
        #expect(Set(closes(bye)) == [p.b.id, legA, legB])
        #expect(bye.contains(.removeRoute(index: forA.datagramIndex)))
        #expect(h.engine.activeRelays == 0)
    }

    @Test func bytesBeforeBothJoinedCloseTheRelay() throws {
        var h = Harness()
        let p = try pair(&h)
        let request = h.send(p.a, .relayRequest(id: 1, target: p.b.keyed))
        let forA = try #require(invitation(try p.a.inbox(request)))
        let (legA, _) = h.open(from: "10.0.0.1")
        _ = h.engine.received(legA, message: ForwarderEnvelope.join(token: forA.token), now: h.time)
        let early = h.engine.received(legA, message: [1, 2, 3], now: h.time)
        #expect(closes(early) == [legA])
        #expect(h.engine.activeRelays == 0)
    }
}

@Suite("Datagram relay and bandwidth")
struct DatagramRelayTests {
    struct Address: Equatable, Sendable {
        var host: String
        var port: Int
    }
    let a = Address(host: "10.0.0.1", port: 5001)
    let b = Address(host: "10.0.0.2", port: 5002)
    let owner = Array(repeating: UInt8(1), count: 16)

    @Test func onlyTheOwnerOfAnIndexCanSendThroughIt() {
        let table = DatagramRelayTable<Address>(bytesPerSecond: 1_000_000)
        table.add(index: 77, .init(owner: owner, source: a, destination: b))
        let inner = Array(repeating: UInt8(0xAB), count: 100)
        let now = ContinuousClock.now
        #expect(table.destination(of: RelayDatagram.wrap(inner, relayIndex: 77), from: a, now: now) == b)
        #expect(table.destination(of: RelayDatagram.wrap(inner, relayIndex: 77), from: Address(host: "10.0.0.1", port: 5009), now: now) == nil)
        #expect(table.destination(of: RelayDatagram.wrap(inner, relayIndex: 77), from: b, now: now) == nil)
        #expect(table.destination(of: RelayDatagram.wrap(inner, relayIndex: 78), from: a, now: now) == nil)
        #expect(table.destination(of: inner, from: a, now: now) == nil)
        table.remove(index: 77)
        #expect(table.destination(of: RelayDatagram.wrap(inner, relayIndex: 77), from: a, now: now) == nil)
        let counters = table.counters
        #expect(counters.relayedDatagrams == 1 && counters.relayedBytes == 100)
        #expect(counters.drops == [.wrongSource: 2, .unknownIndex: 2, .malformed: 1])
    }

    @Test func aMemberOverItsBudgetIsDropped() {
        let table = DatagramRelayTable<Address>(bytesPerSecond: 1_000)
        table.add(index: 1, .init(owner: owner, source: a, destination: b))
        let datagram = RelayDatagram.wrap(Array(repeating: 0, count: 400), relayIndex: 1)
        let start = ContinuousClock.now
        #expect(table.destination(of: datagram, from: a, now: start) == b)
        #expect(table.destination(of: datagram, from: a, now: start) == b)
        #expect(table.destination(of: datagram, from: a, now: start) == nil)
        #expect(table.counters.drops[.overBudget] == 1)
        // 200 bytes were left, refilled at 1000 B/s: 400 again after 0.2 s.
        #expect(table.destination(of: datagram, from: a, now: start + .milliseconds(100)) == nil)
        #expect(table.destination(of: datagram, from: a, now: start + .milliseconds(800)) == b)
    }

    @Test func aStreamOverBudgetPausesForTheDeficit() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(bytesPerSecond: 1_000, now: start)
        #expect(bucket.charge(1_000, now: start) == .zero)
        #expect(bucket.charge(500, now: start) == .milliseconds(500))
        #expect(bucket.charge(0, now: start + .milliseconds(500)) == .zero)
        let table = DatagramRelayTable<Address>(bytesPerSecond: 1_000)
        table.add(index: 1, .init(owner: owner, source: a, destination: b))
        #expect(table.charge(2_000, member: owner, now: start) == .seconds(1))
        #expect(
            table.destination(of: RelayDatagram.wrap([1], relayIndex: 1), from: a, now: start) == nil,
            "streams and datagrams share the budget")
        #expect(table.counters.drops[.overBudget] == 1)
        table.pruneBudgets(now: start + .seconds(5))
        #expect(table.budgetedMembers == 0)
    }
}
