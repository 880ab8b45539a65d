import NatterCore
@testable import NatterNode
import NatterWire
import Testing

/// Every rule of the link table, without a socket: two tables stand for two
/// peers, and the test carries the hellos and datagrams between them.
@Suite("Link table")
struct LinkTableTests {
    let low: DeviceFingerprint
    let high: DeviceFingerprint
    /// Keys of one real session, each end's view (the table only stores them).
    let lowKeys: SecureSession.DatagramKeys
    let highKeys: SecureSession.DatagramKeys
    let now = ContinuousClock.now

    init() throws {
        let a = DeviceIdentity().fingerprint, b = DeviceIdentity().fingerprint
        (low, high) = a < b ? (a, b) : (b, a)
        (lowKeys, highKeys) = try Self.datagramKeys()
    }

    /// Runs a handshake in memory for the datagram keys it exports.
    static func datagramKeys() throws -> (initiator: SecureSession.DatagramKeys, responder: SecureSession.DatagramKeys) {
        let team = TeamKey()
        var initiator = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        var responder = SecureSession(initiator: false, identity: DeviceIdentity(), team: team)
        let now = PeerLinkService.unixMilliseconds()
        var keys: [SecureSession.DatagramKeys] = []
        var toInitiator = try responder.receive(initiator.start(nowMilliseconds: now), nowMilliseconds: now) { _ in true }
        while case .send(let message) = toInitiator.first {
            toInitiator = []
            for output in try initiator.receive(message) {
                switch output {
                case .send(let answer): toInitiator += try responder.receive(answer, nowMilliseconds: now) { _ in true }
                case .established(_, let datagramKeys): keys.append(datagramKeys)
                default: break
                }
            }
        }
        for case .established(_, let datagramKeys) in toInitiator { keys.append(datagramKeys) }
        return (keys[0], keys[1])
    }

    func table(_ local: DeviceFingerprint, udpPort: UInt16 = 0) -> LinkTable {
        var table = LinkTable(local: local, displayName: local == low ? "Low" : "High", now: now)
        table.udpPort = udpPort
        return table
    }

    /// The keys `local`'s end of the session uses.
    func keys(_ local: DeviceFingerprint) -> SecureSession.DatagramKeys { local == low ? lowKeys : highKeys }

    /// Two tables linked to each other over link 1, hellos exchanged.
    func linkedPair(lowUDPPort: UInt16 = 4001, highUDPPort: UInt16 = 4002) -> (low: LinkTable, high: LinkTable) {
        var lowTable = table(low, udpPort: lowUDPPort), highTable = table(high, udpPort: highUDPPort)
        let link = LinkID(rawValue: 1)
        let lowHello = lowTable.established(peer: high, link: link, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys).hello!
        let highHello = highTable.established(peer: low, link: link, initiator: false, remoteHost: "10.0.0.1", keys: highKeys).hello!
        _ = lowTable.received(highHello, from: high, on: link)
        _ = highTable.received(lowHello, from: low, on: link)
        return (lowTable, highTable)
    }

    // MARK: Duplicate links

    @Test("both dial at once: each side keeps the link the lower fingerprint dialled, in either arrival order",
        arguments: [true, false], [true, false])
    func simultaneousDialsKeepTheLowerFingerprintsDial(localIsLow: Bool, ourDialFirst: Bool) {
        let (local, peer) = localIsLow ? (low, high) : (high, low)
        var table = table(local)
        let ours = LinkID(rawValue: 1), theirs = LinkID(rawValue: 2)
        let arrivals = ourDialFirst ? [(ours, true), (theirs, false)] : [(theirs, false), (ours, true)]
        let first = table.established(peer: peer, link: arrivals[0].0, initiator: arrivals[0].1, remoteHost: "10.0.0.9", keys: keys(local))
        #expect(first.hello != nil && first.close == nil)
        let second = table.established(peer: peer, link: arrivals[1].0, initiator: arrivals[1].1, remoteHost: "10.0.0.9", keys: keys(local))

        let winner = localIsLow ? ours : theirs
        let loser = localIsLow ? theirs : ours
        #expect(table.link(to: peer) == winner)
        #expect(second.close == loser)
        #expect((second.hello != nil) == (arrivals[1].0 == winner), "a hello only on a link that stays")
    }

    @Test("a second link dialled from the same side replaces the first (a reconnect)", arguments: [true, false])
    func aDuplicateFromTheSameDirectionReplacesTheOlder(initiator: Bool) {
        for local in [low, high] {
            var table = table(local)
            let peer = local == low ? high : low
            let old = LinkID(rawValue: 1), new = LinkID(rawValue: 2)
            _ = table.established(peer: peer, link: old, initiator: initiator, remoteHost: "10.0.0.9", keys: keys(local))
            let replacing = table.established(peer: peer, link: new, initiator: initiator, remoteHost: "10.0.0.9", keys: keys(local))
            #expect(replacing.close == old)
            #expect(replacing.hello != nil)
            #expect(table.link(to: peer) == new)
        }
    }

    @Test("a link older than the crossing window is replaced by a newer one, whoever dialled either (a reconnect after a sleep or an address change)",
        arguments: [true, false], [true, false])
    func aStaleLinkIsReplacedWhoeverDialled(localIsLow: Bool, oldDialledByUs: Bool) {
        let (local, peer) = localIsLow ? (low, high) : (high, low)
        var table = table(local)
        let old = LinkID(rawValue: 1), new = LinkID(rawValue: 2)
        _ = table.established(peer: peer, link: old, initiator: oldDialledByUs, remoteHost: "10.0.0.9", keys: keys(local), now: now)
        let later = now + NodeConstants.crossingWindow
        let replacing = table.established(peer: peer, link: new, initiator: !oldDialledByUs, remoteHost: "10.0.0.22", keys: keys(local), now: later)
        #expect(replacing.close == old)
        #expect(replacing.hello != nil)
        #expect(table.link(to: peer) == new)
        #expect(table.closed(old) == nil, "the stale link goes quietly")
    }

    @Test func withinTheCrossingWindowTheLowerFingerprintsDialStillWins() {
        var table = table(low)
        let ours = LinkID(rawValue: 1), theirs = LinkID(rawValue: 2)
        _ = table.established(peer: high, link: ours, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys, now: now)
        let almost = now + NodeConstants.crossingWindow - .milliseconds(1)
        #expect(table.established(peer: high, link: theirs, initiator: false, remoteHost: "10.0.0.2", keys: lowKeys, now: almost).close == theirs)
    }

    @Test func droppingLinksFromAddressesNoLongerHeldForgetsOnlyThoseAndReportsTheAnnouncedPeers() {
        var table = table(low)
        let other = DeviceIdentity().fingerprint
        let hello = Frame.hello(sequence: 0, name: "Peer", udpPort: 0, datagramIndex: 5)
        let onLost = LinkID(rawValue: 1), onKept = LinkID(rawValue: 2)
        _ = table.established(peer: high, link: onLost, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys, localHost: "10.0.0.1", now: now)
        _ = table.received(hello, from: high, on: onLost)
        _ = table.established(peer: other, link: onKept, initiator: true, remoteHost: "10.5.0.2", keys: lowKeys, localHost: "10.5.0.1", now: now)
        let dropped = table.drop(unlessFrom: ["10.5.0.1", "10.7.0.1"])
        #expect(dropped.close == [onLost] && dropped.down == [high])
        #expect(table.link(to: high) == nil && table.link(to: other) == onKept)
        #expect(table.closed(onLost) == nil, "its close reports no second down")
        let unknown = LinkID(rawValue: 3)
        _ = table.established(peer: high, link: unknown, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys, now: now)
        #expect(table.drop(unlessFrom: []).close == [onKept], "a link whose local address is unknown stays")
        _ = table.established(peer: other, link: onKept, initiator: true, remoteHost: "10.5.0.2", keys: lowKeys, localHost: "10.5.0.1", now: now)
        let all = table.drop(unlessFrom: nil)
        #expect(Set(all.close) == [onKept, unknown] && all.down.isEmpty, "after a sleep every link goes; none had its hello yet, so none was announced")
    }

    // MARK: Hello, up and down

    @Test func theHelloAnnouncesThePeerOnceWithItsNameAndHost() {
        var table = table(low)
        let link = LinkID(rawValue: 1)
        let established = table.established(peer: high, link: link, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        #expect(established.hello?.sequence == 0)
        let hello = Frame.hello(sequence: 0, name: "High", udpPort: 0, datagramIndex: 5)
        #expect(table.received(hello, from: high, on: link) == .up(high, name: "High", remoteHost: "10.0.0.2", relayed: false))
        #expect(table.received(hello, from: high, on: link) == nil, "a second hello announces nothing")
    }

    @Test func aReplacementLinkReportsItsHelloForThePinCheckButNoDownForTheOldOne() {
        var table = table(low)
        let old = LinkID(rawValue: 1), new = LinkID(rawValue: 2)
        let hello = Frame.hello(sequence: 0, name: "High", udpPort: 0, datagramIndex: 5)
        _ = table.established(peer: high, link: old, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        #expect(table.received(hello, from: high, on: old) != nil)
        _ = table.established(peer: high, link: new, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        let renamed = Frame.hello(sequence: 0, name: "Mallory", udpPort: 0, datagramIndex: 6)
        #expect(
            table.received(renamed, from: high, on: new) == .up(high, name: "Mallory", remoteHost: "10.0.0.2", relayed: false),
            "the daemon checks the replacement's name against the pins")
        #expect(table.received(renamed, from: high, on: new) == nil, "once per link")
        #expect(table.closed(old) == nil, "the replaced link goes quietly")
        #expect(table.closed(new) == .down(high))
    }

    @Test func aHelloOnALinkThatLostTheTieBreakIsIgnored() {
        var table = table(low)
        let ours = LinkID(rawValue: 1), theirs = LinkID(rawValue: 2)
        _ = table.established(peer: high, link: ours, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        #expect(table.established(peer: high, link: theirs, initiator: false, remoteHost: "10.0.0.2", keys: lowKeys).close == theirs)
        #expect(table.received(.hello(sequence: 0, name: "High", udpPort: 0, datagramIndex: 5), from: high, on: theirs) == nil)
        #expect(table.closed(theirs) == nil)
    }

    @Test func downOnlyForTheCurrentAnnouncedLink() {
        var table = table(low)
        let link = LinkID(rawValue: 1)
        _ = table.established(peer: high, link: link, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        #expect(table.closed(LinkID(rawValue: 9)) == nil, "an unknown link (still handshaking)")
        #expect(table.closed(link) == nil, "never announced: the daemon never heard of it")
        #expect(table.link(to: high) == nil)

        var (lowTable, _) = linkedPair()
        #expect(lowTable.closed(link) == .down(high))
        #expect(lowTable.closed(link) == nil, "once")
    }

    @Test func framesBecomeEventsOnlyForChatStateAndAck() {
        var table = table(low)
        let link = LinkID(rawValue: 1)
        let id = MessageID(bytes: [UInt8](repeating: 7, count: 16))!
        for frame in [Frame.chat(sequence: 1, id: id, sentAt: 2, text: "hi"), .state(sequence: 2, state: .typing, source: 1), .ack(sequence: 3, id: id)] {
            #expect(table.received(frame, from: high, on: link) == .received(frame, from: high))
        }
        #expect(table.received(.keepalive(sequence: 4), from: high, on: link) == nil)
        #expect(table.received(.goodbye(sequence: 5), from: high, on: link) == nil)
    }

    // MARK: Datagrams

    @Test func noRouteBeforeTheHelloAndNoDatagramWithoutAnAnnouncedUDPPort() throws {
        var table = table(low)
        let link = LinkID(rawValue: 1)
        let frame = Frame.state(sequence: 1, state: .typing, source: 1)
        _ = table.established(peer: high, link: link, initiator: true, remoteHost: "10.0.0.2", keys: lowKeys)
        #expect(table.route(frame, to: high, preferDatagram: true) == nil, "not announced yet")
        _ = table.received(.hello(sequence: 0, name: "High", udpPort: 0, datagramIndex: 5), from: high, on: link)
        #expect(table.route(frame, to: high, preferDatagram: true) == LinkTable.Route(link: link, datagram: nil))

        var (lowTable, _) = linkedPair(highUDPPort: 4002)
        #expect(lowTable.route(frame, to: high, preferDatagram: false)?.datagram == nil, "only when asked for")
        let datagram = try #require(lowTable.route(frame, to: high, preferDatagram: true)?.datagram)
        #expect(datagram.host == "10.0.0.2" && datagram.port == 4002)
    }

    @Test func aDatagramReachesThePeerOnceAndReplayedForgedOrUnknownOnesAreDroppedAndCounted() throws {
        var (lowTable, highTable) = linkedPair()
        let frame = Frame.state(sequence: 1, state: .typing, source: 1)
        let datagram = try #require(lowTable.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        #expect(highTable.openDatagram(datagram) == .deliver(.received(frame, from: low)))
        #expect(highTable.openDatagram(datagram) == .dropped(.replayedDatagram))

        var forged = try #require(lowTable.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        forged[forged.count - 1] ^= 1
        #expect(highTable.openDatagram(forged) == .dropped(.datagramAuthenticationFailed))
        var unknownIndex = datagram
        unknownIndex[2] ^= 0xFF
        #expect(highTable.openDatagram(unknownIndex) == .dropped(.datagramAuthenticationFailed))
        #expect(highTable.openDatagram([1, 2, 3]) == .dropped(.truncated))

        let keepalive = try #require(lowTable.route(.keepalive(sequence: 2), to: high, preferDatagram: true)?.datagram).bytes
        #expect(highTable.openDatagram(keepalive) == .ignored, "authentic, but only state frames travel as datagrams")
        #expect(highTable.counters.acceptedDatagrams == 2)
        #expect(highTable.counters.droppedDatagrams == 4)
    }

    @Test func aLinksDatagramSessionGoesWithIt() throws {
        var (lowTable, highTable) = linkedPair()
        let frame = Frame.state(sequence: 1, state: .typing, source: 1)
        let datagram = try #require(lowTable.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        _ = highTable.closed(LinkID(rawValue: 1))
        #expect(highTable.openDatagram(datagram) == .dropped(.datagramAuthenticationFailed))

        // Replaced by a new link: the old link's index is gone too.
        var (newLow, newHigh) = linkedPair()
        let old = try #require(newLow.route(frame, to: high, preferDatagram: true)?.datagram).bytes
        _ = newHigh.established(peer: low, link: LinkID(rawValue: 2), initiator: false, remoteHost: "10.0.0.1", keys: highKeys)
        #expect(newHigh.openDatagram(old) == .dropped(.datagramAuthenticationFailed))
    }

    // MARK: Connections

    @Test func connectionsOverTheRateLimitAreRefusedAndCounted() {
        var table = table(low)
        var answers: [PendingHandshakes<LinkID>.Decision] = []
        for number in 0..<UInt64(WireConstants.handshakesPerSource + 2) {
            let link = LinkID(rawValue: number)
            answers.append(table.connectionOpened(link, from: "10.0.0.5", now: now))
            // Each is admitted at once, so only the rate limit counts.
            _ = table.isFresh(admitted(tag: UInt8(number)), on: link, nowMilliseconds: Self.wallNow)
        }
        #expect(answers.filter { $0 == .refuse }.count == 2)
        let otherSource = table.connectionOpened(LinkID(rawValue: 100), from: "10.0.0.6", now: now)
        #expect(otherSource == .accept(evicting: nil), "other sources carry on")
        #expect(table.counters.rateLimitedConnections == 2)
    }

    @Test func unadmittedConnectionsAreBoundedPerSourceAndOverall() {
        var table = table(low)
        let share = WireConstants.pendingHandshakesPerSource
        let answers = (0..<UInt64(share + 1)).map { table.connectionOpened(LinkID(rawValue: $0), from: "10.0.0.5", now: now) }
        #expect(answers.last == .refuse, "one source holds at most its share of silent connections")
        #expect(answers.dropLast().allSatisfy { $0 == .accept(evicting: nil) })
        _ = table.closed(LinkID(rawValue: 0))
        #expect(table.connectionOpened(LinkID(rawValue: 50), from: "10.0.0.5", now: now) == .accept(evicting: nil), "a closed one frees its place")
        #expect(table.counters.rateLimitedConnections == 1)
    }

    @Test func aFirstMessageIsFreshOnceAndNotFromBeforeTheStart() {
        var table = LinkTable(local: low, displayName: "Low", now: now, startedAtMilliseconds: Self.wallNow)
        let link = LinkID(rawValue: 1)
        let answers = [
            table.isFresh(admitted(tag: 3), on: link, nowMilliseconds: Self.wallNow),
            table.isFresh(admitted(tag: 3), on: link, nowMilliseconds: Self.wallNow),
        ]
        #expect(answers == [true, false])
        let beforeTheStart = admitted(tag: 4, timestamp: Self.wallNow - 1)
        let refused = !table.isFresh(beforeTheStart, on: link, nowMilliseconds: Self.wallNow)
        #expect(refused, "written before this node started: a replay")
    }

    static let wallNow: UInt64 = 1_764_000_000_000

    private func admitted(tag: UInt8, timestamp: UInt64 = Self.wallNow) -> Envelope.Admitted {
        Envelope.Admitted(tag: [UInt8](repeating: tag, count: 16), timestamp: timestamp, noise: [], bound: true)
    }

    @Test func transportAuthenticationFailuresAreCountedApartFromRefusals() {
        var table = table(low)
        table.dropped(after: .admissionFailed)
        table.dropped(after: .replayedHandshake)
        table.dropped(after: .transportAuthenticationFailed)
        #expect(table.counters.refusedConnections == 2)
        #expect(table.counters.transportAuthenticationFailures == 1)
    }
}
