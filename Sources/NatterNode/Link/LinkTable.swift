import Crypto
import NatterCore
import NatterWire

/// One TCP connection as the link table knows it: a number the service gives
/// each channel, so the decisions below never touch a socket.
struct LinkID: Hashable, Sendable {
    let rawValue: UInt64
}

/// Every decision of the link layer, as a value: which of two links to the
/// same peer survives, when a peer is up or down, where its datagrams go and
/// which datagrams are let in, and which connections are turned away.
/// ``PeerLinkService`` keeps one behind its lock and carries out what each
/// operation returns (the shape of swift-nio-ssh's state machine and
/// Hummingbird's `StreamClosedResult`). Time is an input.
struct LinkTable: Sendable {
    /// The current link to one peer.
    private struct Link: Sendable {
        let id: LinkID
        /// Who dialled: settles simultaneous connects (the lower fingerprint's dial wins).
        let dialler: DeviceFingerprint
        /// When its handshake completed here: a link older than
        /// ``NodeConstants/crossingWindow`` is replaced by any newer one.
        let establishedAt: ContinuousClock.Instant
        let remoteHost: String
        /// This machine's address the link runs from ("" when unknown): a
        /// link from an address the machine no longer has is dead (``drop(unlessFrom:)``).
        let localHost: String
        /// Set when the link runs through a forwarder: where its datagrams go.
        let relay: RelayRoute?
        /// This side's index for the peer's datagrams, announced in our hello
        /// or in this side's last rekey frame.
        var localIndex: UInt32
        /// The previous epoch's index, kept briefly for datagrams in flight after a rekey.
        var previousIndex: UInt32?
        var sendKey: SymmetricKey
        /// Where the peer takes datagrams; set only when its hello announced a UDP port.
        var udpTarget: DatagramTarget?
        var counter: UInt64 = 0
        /// The peer's hello arrived (on this link or the one it replaced) and `.up` was sent.
        var announced = false
        /// This link's own hello arrived (reported as `.up`, so the daemon checks its name).
        var helloReceived = false
        /// The peer's features frame on this link announced ``PeerFeatures/udpEcho``.
        var answersEcho = false
    }

    /// Where one peer's datagrams go: its host, the UDP port and the receiver
    /// index its hello announced — or, on a relayed link, the forwarder's
    /// UDP port and the relay index to put in front (Docs/protocol.md §9.4).
    struct DatagramTarget: Sendable, Equatable {
        let host: String
        let port: UInt16
        let receiverIndex: UInt32
        var relayIndex: UInt32? = nil
    }

    private struct DatagramSession: Sendable {
        let peer: DeviceFingerprint
        let link: LinkID
        let key: SymmetricKey
        var window = ReplayWindow()
        /// Set when a rekey replaced this session: it is erased at this time.
        var expires: ContinuousClock.Instant?
    }

    let local: DeviceFingerprint
    let displayName: String
    /// The bound UDP port, announced in every hello (0 until bound: no datagrams).
    var udpPort: UInt16 = 0
    private var links: [DeviceFingerprint: Link] = [:]
    private var datagramSessions: [UInt32: DatagramSession] = [:]
    /// Indices a rekey request announced before its session exists: taken, so
    /// no other link can be given them meanwhile.
    private var reservedIndices: [UInt32: LinkID] = [:]
    /// Links the daemon refused: nothing more is read from them (§4.6).
    private var refused: Set<LinkID> = []
    private var replayCache: HandshakeReplayCache
    private var rateLimiter: SourceRateLimiter
    private var pendingHandshakes = PendingHandshakes<LinkID>()
    /// Connections dialled to this side whose handshake has not completed,
    /// with the host they came from.
    private var handshaking: [LinkID: String] = [:]
    /// Colleagues whose announced link closed while a connection from their
    /// host was in its handshake (``closed(_:now:)``), by that connection:
    /// whether they went down is known once it settles.
    private var heldDowns: [LinkID: DeviceFingerprint] = [:]
    private var datagramLimiter: SourceRateLimiter
    /// Echo requests answered per peer (Docs/protocol.md §6.5): no link can
    /// make this side send more than a trickle.
    private var echoLimiter: SourceRateLimiter
    /// Draws receiver indices; random (WireGuard's habit: an observer cannot
    /// count sessions). Tests replace it to force collisions.
    var drawIndex: @Sendable () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    private(set) var counters = PeerLinkService.Counters()

    /// - Parameter startedAtMilliseconds: when this node started, Unix ms (wall
    ///   clock): first messages written before it are refused, so none captured
    ///   before a restart can be replayed after it (Docs/protocol.md §4.4).
    init(local: DeviceFingerprint, displayName: String, now: ContinuousClock.Instant, startedAtMilliseconds: UInt64 = 0) {
        self.local = local
        self.displayName = displayName
        replayCache = HandshakeReplayCache(floorMilliseconds: startedAtMilliseconds)
        rateLimiter = SourceRateLimiter(
            limit: WireConstants.handshakesPerSource, window: WireConstants.rateLimitWindow,
            maximumSources: NodeConstants.rateLimitedSources, now: now)
        datagramLimiter = SourceRateLimiter(
            limit: WireConstants.datagramsPerSource, window: WireConstants.datagramRateWindow,
            maximumSources: NodeConstants.rateLimitedSources, now: now)
        echoLimiter = SourceRateLimiter(
            limit: WireConstants.echoRepliesPerLink, window: WireConstants.echoReplyWindow,
            maximumSources: NodeConstants.rateLimitedSources, now: now)
    }

    // MARK: Connections

    /// A connection `link` arrived from `source`. Refused (and counted) when
    /// the source is over the handshake rate limit or already holds its share
    /// of unadmitted connections; when all sources together hold the most,
    /// the oldest unadmitted connection is to be closed for it (``PendingHandshakes``).
    mutating func connectionOpened(_ link: LinkID, from source: String, now: ContinuousClock.Instant) -> PendingHandshakes<LinkID>.Decision {
        guard rateLimiter.allow(source, now: now) else {
            counters.rateLimitedConnections += 1
            return .refuse
        }
        let decision = pendingHandshakes.opened(link, from: source)
        switch decision {
        case .refuse: counters.rateLimitedConnections += 1
        case .accept(evicting: .some): counters.evictedConnections += 1
        case .accept(evicting: .none): break
        }
        if case .accept = decision { handshaking[link] = source }
        return decision
    }

    /// Records an admitted first message on `link`; false when it is a replay
    /// (seen before, or written before this node started). Either way the
    /// connection no longer waits for admission.
    mutating func isFresh(_ admitted: Envelope.Admitted, on link: LinkID, nowMilliseconds: UInt64) -> Bool {
        pendingHandshakes.settled(link)
        return replayCache.insert(admitted.tag, timestamp: admitted.timestamp, nowMilliseconds: nowMilliseconds)
    }

    /// A connection was closed for `error`. A transport authentication failure
    /// is counted apart: it is damage or tampering on an established link,
    /// not a stranger at the door.
    mutating func dropped(after error: LinkError) {
        if error == .transportAuthenticationFailed {
            counters.transportAuthenticationFailures += 1
        } else {
            counters.refusedConnections += 1
        }
    }

    // MARK: Links

    /// What to do once a link's handshake completed.
    struct Established: Equatable {
        /// The hello to send on the new link; nil when the new link lost the tie-break.
        let hello: Frame?
        /// A link to close: the new one or the one it replaced, if either lost.
        let close: LinkID?
        /// A colleague whose down waited for this link (``closed(_:now:)``),
        /// which turned out to be someone else's: down now.
        var down: DeviceFingerprint? = nil
    }

    /// Registers `link` to `peer` after its handshake.
    ///
    /// Two links to one peer happen when both dial at once, or when a peer
    /// reconnects before the old link's death was noticed (it slept, its
    /// address changed: Docs/protocol.md §5.7). Both sides must keep the same
    /// one without talking about it. Two links established within
    /// ``NodeConstants/crossingWindow`` of each other crossed: the one dialled
    /// by the lower fingerprint wins, and between two dialled by the same
    /// side the newer. A link older than that is stale to whoever dials
    /// again: the newer link wins whoever dialled it (the side that dialled
    /// holds no other link, so both sides keep the new one).
    /// - Parameters:
    ///   - initiator: this side dialled `link`.
    ///   - now: when the handshake completed (defaults to the present; tests pass it).
    mutating func established(
        peer: DeviceFingerprint, link: LinkID, initiator: Bool, remoteHost: String, keys: SecureSession.DatagramKeys,
        relay: RelayRoute? = nil, localHost: String = "", now: ContinuousClock.Instant = .now
    ) -> Established {
        let dialler = initiator ? local : peer
        var replaced: LinkID?
        handshaking[link] = nil
        let heldFor = heldDowns.removeValue(forKey: link)
        // The daemon still has a held colleague up: any new link of theirs
        // takes over as a replacement, whichever connection settles first.
        var announced = heldDowns.values.contains(peer) || heldFor == peer
        heldDowns = heldDowns.filter { $0.value != peer }
        let down = heldFor == peer ? nil : heldFor
        if let existing = links[peer] {
            let preferred = min(local, peer)
            let crossed = now - existing.establishedAt < NodeConstants.crossingWindow
            if crossed && existing.dialler == preferred && dialler != preferred {
                return Established(hello: nil, close: link, down: down)
            }
            replaced = existing.id
            announced = existing.announced
            forgetDatagramSessions(of: existing)
        }
        let localIndex = freeDatagramIndex()
        var new = Link(
            id: link, dialler: dialler, establishedAt: now, remoteHost: remoteHost, localHost: localHost, relay: relay, localIndex: localIndex, sendKey: keys.send)
        // The daemon already has the peer as up; the replacement must not announce it twice.
        new.announced = announced
        links[peer] = new
        datagramSessions[localIndex] = DatagramSession(peer: peer, link: link, key: keys.receive)
        let hello = Frame.hello(sequence: 0, name: displayName, udpPort: udpPort, datagramIndex: localIndex)
        return Established(hello: hello, close: replaced, down: down)
    }

    /// A random receiver index that no session (current or previous) and no
    /// pending rekey uses: a new session never replaces another link's. 0 is never used.
    private func freeDatagramIndex() -> UInt32 {
        while true {
            let index = drawIndex()
            if index != 0, datagramSessions[index] == nil, reservedIndices[index] == nil { return index }
        }
    }

    private mutating func forgetDatagramSessions(of link: Link) {
        datagramSessions[link.localIndex] = nil
        if let previous = link.previousIndex { datagramSessions[previous] = nil }
        reservedIndices = reservedIndices.filter { $0.value != link.id }
    }

    // MARK: Rekey (Docs/protocol.md §5.8)

    /// A receiver index for `link`'s next epoch, reserved until its session is installed.
    mutating func reserveDatagramIndex(for link: LinkID) -> UInt32 {
        let index = freeDatagramIndex()
        reservedIndices[index] = link
        return index
    }

    /// A rekey of `link` made a new receive session: datagrams to `index`
    /// open with `key` from now on. The session it replaces stays for
    /// ``WireConstants/previousDatagramKeysLifetime`` (datagrams in flight); the
    /// one before that is erased now. Ignored for a link that is no longer current.
    mutating func installDatagramReceive(link: LinkID, peer: DeviceFingerprint, index: UInt32, key: SymmetricKey, now: ContinuousClock.Instant) {
        reservedIndices[index] = nil
        guard var current = links[peer], current.id == link, datagramSessions[index] == nil else { return }
        if let older = current.previousIndex { datagramSessions[older] = nil }
        datagramSessions[current.localIndex]?.expires = now + WireConstants.previousDatagramKeysLifetime
        current.previousIndex = current.localIndex
        current.localIndex = index
        links[peer] = current
        datagramSessions[index] = DatagramSession(peer: peer, link: link, key: key)
        counters.rekeys += 1
    }

    /// The peer has its new receive session: seal datagrams for `index` with
    /// `key`, counting from 0 (a new key, so counters may start over).
    mutating func switchDatagramSend(link: LinkID, peer: DeviceFingerprint, index: UInt32, key: SymmetricKey) {
        guard var current = links[peer], current.id == link else { return }
        current.sendKey = key
        current.counter = 0
        current.udpTarget = current.udpTarget.map {
            DatagramTarget(host: $0.host, port: $0.port, receiverIndex: index, relayIndex: $0.relayIndex)
        }
        links[peer] = current
    }

    // MARK: Refusal

    /// The daemon refused `peer`'s link (pins, §4.6): from now on nothing is
    /// read from it — no frame decoded, no datagram opened — and its datagram
    /// sessions are gone. Returns the link to close.
    mutating func refuse(_ peer: DeviceFingerprint) -> LinkID? {
        guard let current = links[peer] else { return nil }
        links[peer] = nil
        forgetDatagramSessions(of: current)
        refused.insert(current.id)
        return current.id
    }

    /// Whether the handler may decode what `link` sends (false once refused).
    func mayRead(_ link: LinkID) -> Bool {
        !refused.contains(link)
    }

    /// A frame arrived on `link` from `peer` (``SecureSession`` already
    /// enforced one hello, first). Returns what to tell the daemon, if anything.
    ///
    /// Each current link's hello is reported as `.up`, a replacement's too:
    /// the daemon checks every hello's name against the pins (a replacement
    /// may claim another name) and knows the peer is already online. A hello
    /// on a link that lost the tie-break says nothing.
    mutating func received(_ frame: Frame, from peer: DeviceFingerprint, on link: LinkID) -> LinkEvent? {
        guard !refused.contains(link) else { return nil }
        switch frame {
        case .hello(_, let name, let udpPort, let index):
            guard var current = links[peer], current.id == link else { return nil }
            if let relay = current.relay {
                current.udpTarget = DatagramTarget(host: relay.host, port: relay.udpPort, receiverIndex: index, relayIndex: relay.index)
            } else if udpPort != 0 {
                current.udpTarget = DatagramTarget(host: current.remoteHost, port: udpPort, receiverIndex: index)
            }
            let announce = !current.helloReceived
            current.helloReceived = true
            current.announced = true
            links[peer] = current
            return announce ? .up(peer, name: name, remoteHost: current.remoteHost, relayed: current.relay != nil) : nil
        case .features(let features):
            if var current = links[peer], current.id == link {
                current.answersEcho = features.contains(.udpEcho)
                links[peer] = current
            }
            return .received(frame, from: peer)
        case .chat, .state, .ack, .group, .presence:
            return .received(frame, from: peer)
        case .keepalive, .goodbye, .echo:
            // An echo travels only as a datagram (§6.5); in the stream it is ignored.
            return nil
        }
    }

    /// `link` closed. The peer is down only when it was its current, announced
    /// link; a link that lost a tie-break goes quietly. Its datagram session goes with it.
    ///
    /// One exception keeps a colleague from flickering offline and online
    /// when both sides dial at once: the side that loses the tie-break
    /// closes the losing link as soon as the winning one completes there,
    /// and that close can reach this side before the winning link's last
    /// handshake message, on its own connection. So when a link closes
    /// within ``NodeConstants/crossingWindow`` of its handshake while a
    /// connection from the same host is still in its handshake, the down
    /// waits for that connection: its link replaces the closed one, or the
    /// down comes when it fails (at most the 5 s handshake timeout later).
    mutating func closed(_ link: LinkID, now: ContinuousClock.Instant = .now) -> LinkEvent? {
        pendingHandshakes.settled(link)
        refused.remove(link)
        handshaking[link] = nil
        reservedIndices = reservedIndices.filter { $0.value != link }
        if let held = heldDowns.removeValue(forKey: link) {
            return links[held] == nil && !heldDowns.values.contains(held) ? .down(held) : nil
        }
        guard let (peer, current) = links.first(where: { $0.value.id == link }) else { return nil }
        links[peer] = nil
        forgetDatagramSessions(of: current)
        guard current.announced else { return nil }
        if current.relay == nil, now - current.establishedAt < NodeConstants.crossingWindow,
            let successor = handshaking.first(where: { $0.value == current.remoteHost })?.key
        {
            heldDowns[successor] = peer
            return nil
        }
        return .down(peer)
    }

    /// The machine slept or lost addresses (``NetworkWatch``): every link
    /// running from an address not in `localHosts` (every link when nil) is
    /// forgotten at once, so the dials that follow are not taken for
    /// duplicates of links that are dead. A link whose local address is
    /// unknown is kept unless all go. Returns the links to close and the
    /// peers that were announced (now down), with any whose down was held;
    /// the dropped links' closing reports nothing more.
    mutating func drop(unlessFrom localHosts: Set<String>?) -> (close: [LinkID], down: [DeviceFingerprint]) {
        let dropped = links.filter { link in
            localHosts.map { !link.value.localHost.isEmpty && !$0.contains(link.value.localHost) } ?? true
        }
        for (peer, link) in dropped {
            links[peer] = nil
            forgetDatagramSessions(of: link)
        }
        let held = Set(heldDowns.values).filter { links[$0] == nil }
        heldDowns.removeAll()
        return (dropped.values.map(\.id), dropped.filter(\.value.announced).map(\.key) + held)
    }

    /// The current link to `peer`, announced or not (to close it).
    func link(to peer: DeviceFingerprint) -> LinkID? {
        links[peer]?.id
    }

    /// The peer a current link goes to (to say whose link fell silent).
    func peer(of link: LinkID) -> DeviceFingerprint? {
        links.first { $0.value.id == link }?.key
    }

    /// How the announced link to `peer` runs, for `natter doctor PEER`.
    struct PathFacts: Equatable {
        let link: LinkID
        /// The TCP connection's remote end: the peer, or the forwarder of a relayed link.
        let remoteHost: String
        let relayed: Bool
        /// Where its datagrams go (the forwarder's UDP port when relayed); nil when its hello announced none.
        let udpTarget: DatagramTarget?
        let answersEcho: Bool
    }

    func path(to peer: DeviceFingerprint) -> PathFacts? {
        guard let link = links[peer], link.announced else { return nil }
        return PathFacts(link: link.id, remoteHost: link.remoteHost, relayed: link.relay != nil, udpTarget: link.udpTarget, answersEcho: link.answersEcho)
    }

    /// Every current link (to say goodbye on).
    var currentLinks: [LinkID] { links.values.map(\.id) }

    // MARK: Datagrams

    /// How to send one frame to a peer.
    struct Route: Equatable {
        /// The link to write the frame to; the stream always carries it.
        let link: LinkID
        /// The same frame sealed as a datagram, when asked for and possible.
        let datagram: OutgoingDatagram?
    }

    struct OutgoingDatagram: Equatable {
        let bytes: [UInt8]
        let host: String
        let port: UInt16
    }

    /// Where `frame` goes; nil when `peer` has no announced link (the daemon
    /// keeps chat messages for later). With `preferDatagram`, also seals it as
    /// a datagram when the peer's hello announced a UDP port; each datagram
    /// takes the next counter.
    mutating func route(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool) -> Route? {
        guard let link = links[peer], link.announced else { return nil }
        guard preferDatagram else { return Route(link: link.id, datagram: nil) }
        return Route(link: link.id, datagram: sealDatagram(frame, to: peer))
    }

    /// `frame` sealed as the next datagram of `peer`'s announced link; nil
    /// when there is none or its hello announced no UDP port.
    private mutating func sealDatagram(_ frame: Frame, to peer: DeviceFingerprint) -> OutgoingDatagram? {
        guard var link = links[peer], link.announced, let target = link.udpTarget else { return nil }
        var bytes = DatagramCodec.seal(frame, receiverIndex: target.receiverIndex, counter: link.counter, key: link.sendKey)
        if let relayIndex = target.relayIndex { bytes = RelayDatagram.wrap(bytes, relayIndex: relayIndex) }
        link.counter += 1
        links[peer] = link
        return OutgoingDatagram(bytes: bytes, host: target.host, port: target.port)
    }

    /// Why an echo request cannot go to a peer, or the datagram that carries it.
    enum EchoRequest: Equatable {
        case send(OutgoingDatagram)
        /// No announced link: nothing to check.
        case noLink
        /// Its hello announced no UDP port: states go by TCP only.
        case noUDPPort
        /// It did not announce ``PeerFeatures/udpEcho``: an older natter, which drops requests.
        case notAnswered
    }

    /// An echo request with `nonce` for `peer`, as a datagram only (§6.5):
    /// never in the stream, and only to a peer that announced it answers.
    mutating func echoRequest(_ nonce: UInt32, to peer: DeviceFingerprint) -> EchoRequest {
        guard let link = links[peer], link.announced else { return .noLink }
        guard link.udpTarget != nil else { return .noUDPPort }
        guard link.answersEcho else { return .notAnswered }
        return sealDatagram(.echo(.request(nonce: nonce)), to: peer).map(EchoRequest.send) ?? .noUDPPort
    }

    /// What became of a received datagram.
    enum DatagramOutcome: Equatable {
        /// Authenticated: tell the daemon.
        case deliver(LinkEvent)
        /// Authenticated, but only state frames travel as datagrams: ignored.
        case ignored
        /// An echo request from a linked peer: send this reply (§6.5).
        case answer(OutgoingDatagram)
        /// The reply to one of this side's echo requests.
        case echoReply(nonce: UInt32, from: DeviceFingerprint)
        /// Unknown index, forged, replayed, stale or malformed: dropped and counted.
        case dropped(LinkError)
    }

    /// Checks the source's budget, finds the datagram's session by its
    /// receiver index (a previous session only until it expires),
    /// authenticates it and checks it against that session's replay window.
    mutating func openDatagram(_ bytes: [UInt8], from source: String, now: ContinuousClock.Instant) -> DatagramOutcome {
        guard datagramLimiter.allow(source, now: now) else {
            counters.rateLimitedDatagrams += 1
            return .dropped(.datagramRateLimited)
        }
        do throws(LinkError) {
            let index = try DatagramCodec.receiverIndex(of: bytes)
            guard var session = datagramSessions[index] else { throw .datagramAuthenticationFailed }
            if let expires = session.expires, expires <= now {
                datagramSessions[index] = nil
                throw .datagramAuthenticationFailed
            }
            let frame = try DatagramCodec.open(bytes, key: session.key, window: &session.window)
            datagramSessions[index] = session
            counters.acceptedDatagrams += 1
            if case .echo(let echo) = frame { return answer(echo, from: session.peer, on: session.link, now: now) }
            guard frame.travelsAsDatagram else { return .ignored }
            return .deliver(.received(frame, from: session.peer))
        } catch {
            counters.droppedDatagrams += 1
            return .dropped(error)
        }
    }

    /// An authenticated echo from `peer`'s datagram session on `link`. A
    /// request is answered with the same nonce to where the link's datagrams
    /// go — never to the datagram's source, so it cannot be reflected at a
    /// third party — within the per-link budget, and only on the current link.
    private mutating func answer(_ echo: UDPEcho, from peer: DeviceFingerprint, on link: LinkID, now: ContinuousClock.Instant) -> DatagramOutcome {
        switch echo {
        case .reply(let nonce):
            return .echoReply(nonce: nonce, from: peer)
        case .request(let nonce):
            guard links[peer]?.id == link, echoLimiter.allow(peer.compact, now: now),
                let reply = sealDatagram(.echo(.reply(nonce: nonce)), to: peer)
            else { return .ignored }
            return .answer(reply)
        }
    }
}
