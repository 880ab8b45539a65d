import Crypto
import Foundation
public import Logging
import NIOCore
import NIOPosix
import NatterAPI
public import NatterCore
public import NatterWire
public import ServiceLifecycle
import Synchronization

/// The link layer: listens on TCP (handshakes, frames) and UDP (state
/// datagrams), dials colleagues, and keeps one authenticated link per
/// colleague. The daemon sees it through ``PeerLinks``; a `ServiceGroup` runs
/// it (``run()``).
///
/// Every decision is taken by the ``LinkTable`` value behind one `Mutex`;
/// this class carries out on sockets what the table returns. NIO handlers
/// call in from event loops, the daemon from its actor.
public final class PeerLinkService: PeerLinks, Service, Sendable {
    let identity: DeviceIdentity
    let team: TeamKey
    let logger: Logger
    /// The key schedule of every link (Docs/protocol.md §5.8).
    let rekeyPolicy: RekeyPolicy
    let clockOffsetMilliseconds: Int64
    private let requestedPorts: (tcp: Int, udp: Int)
    private let group: any EventLoopGroup
    /// Where the liveness sweep runs (``LinkLiveness``): one timer for all links.
    private let livenessLoop: any EventLoop
    private let state: Mutex<State>
    /// The one binding of the listeners, started by ``boundPorts()`` or ``run()``, whichever comes first.
    private let binding = Mutex<Task<Listeners, any Error>?>(nil)
    private let linkEvents = LinkEventRelay()
    public var events: AsyncStream<LinkEvent> { linkEvents.events }

    /// Hands the events to `sink` instead of ``events`` (``LinkEventRelay``):
    /// the daemon takes them on its own loop.
    public func deliverEvents(to sink: @escaping @Sendable (LinkEvent) -> Void) -> Bool {
        linkEvents.deliver(to: sink)
    }

    private struct State {
        var table: LinkTable
        /// Every open connection, handshaking or linked, under the number the table knows it by.
        var channels: [LinkID: any Channel] = [:]
        var nextLinkID: UInt64 = 0
        var udpChannel: (any Channel)?
        /// First handshake messages refused for their timestamp, by source
        /// address, and by how much the last one was off (`natter doctor`);
        /// an address leaves when a link from it completes.
        var clockRefusals: [String: ClockRefusal] = [:]
        /// Colleagues' clock offsets and differences (Docs/protocol.md §4.4.1).
        var clocks = PeerClocks()
        /// Clock hints per source address (past the budget: a decoy).
        var clockHints: SourceRateLimiter
        /// Keepalives and silence of every established link, swept by one timer.
        var liveness = LinkLiveness<LinkID>()
        var livenessTimer: Scheduled<Void>?
        var livenessTimerAt: ContinuousClock.Instant?
        /// The last link error with each colleague (`natter doctor PEER`).
        var linkErrors = LinkErrorLog()
        /// UDP path checks under way, by number (``checkUDP(to:)``).
        var udpChecks: [UInt64: (peer: DeviceFingerprint, check: UDPEchoCheck)] = [:]
        var nextUDPCheck: UInt64 = 0

        mutating func newLinkID() -> LinkID {
            defer { nextLinkID += 1 }
            return LinkID(rawValue: nextLinkID)
        }
    }

    /// How many source addresses ``clockRefusals`` remembers: a doctor needs a few, memory stays bounded.
    static let clockRefusalSources = 64

    /// Handshakes from one source refused for their timestamp.
    public struct ClockRefusal: Sendable, Equatable {
        public var count: Int
        /// Their clock − this clock, from the last one's timestamp, in ms.
        public var differenceMilliseconds: Int64
    }

    private struct Listeners: Sendable {
        let tcp: any Channel
        let udp: any Channel
        let ports: (tcp: Int, udp: Int)
    }

    /// - Parameters:
    ///   - tcpPort: where to listen for links once running; 0 picks a free port (see ``boundPorts()``).
    ///   - udpPort: where to listen for state datagrams; 0 picks a free port.
    ///   - rekeyPolicy: when links replace their keys; shorter than standard only in tests.
    ///   - clockOffsetMilliseconds: added to the wall clock of handshake timestamps; non-zero
    ///     only in tests, to play a colleague whose clock is wrong (Docs/testing.md).
    public init(
        identity: DeviceIdentity, team: TeamKey, displayName: String, tcpPort: Int, udpPort: Int, logger: Logger,
        rekeyPolicy: RekeyPolicy = .standard, clockOffsetMilliseconds: Int64 = 0
    ) {
        self.identity = identity
        self.rekeyPolicy = rekeyPolicy
        self.clockOffsetMilliseconds = clockOffsetMilliseconds
        self.team = team
        self.logger = logger
        requestedPorts = (tcpPort, udpPort)
        group = MultiThreadedEventLoopGroup.singleton
        livenessLoop = group.next()
        state = Mutex(State(
            table: LinkTable(
                local: identity.fingerprint, displayName: displayName, now: .now,
                startedAtMilliseconds: Self.unixMilliseconds(offset: clockOffsetMilliseconds)),
            clockHints: SourceRateLimiter(
                limit: WireConstants.clockHintsPerSource, window: WireConstants.clockHintWindow,
                maximumSources: NodeConstants.rateLimitedSources, now: .now)))
    }

    /// Binds the listeners (unless ``boundPorts()`` already did), serves until
    /// graceful shutdown or cancellation, then says goodbye on every link,
    /// closes every connection and both listeners, and finishes ``events``.
    /// - Throws: the bind error when a port cannot be had.
    public func run() async throws {
        let listeners: Listeners
        do {
            listeners = try await listening()
        } catch {
            linkEvents.finish()
            throw error
        }
        // Cancellation ends the service as gracefully as a shutdown signal:
        // either way the peers hear goodbye instead of waiting for a timeout.
        try? await gracefulShutdown()
        await close(listeners)
    }

    /// The bound ports, for mDNS and the daemon. Binds the listeners if
    /// ``run()`` has not yet, so a caller can learn the ports before its
    /// service group starts; ``run()`` then serves on them.
    /// - Throws: the bind error when a port cannot be had.
    public func boundPorts() async throws -> (tcp: Int, udp: Int) {
        try await listening().ports
    }

    private func listening() async throws -> Listeners {
        let task = binding.withLock { task in
            if let task { return task }
            let bind = Task { try await self.bind() }
            task = bind
            return bind
        }
        return try await task.value
    }

    /// UDP first, so that every hello, even on the first connection accepted,
    /// announces the real UDP port.
    private func bind() async throws -> Listeners {
        let udp: any Channel
        do {
            // No SO_REUSEADDR: on Linux it lets a second UDP socket (another
            // user's natter with the same configured port) share the port and
            // take its datagrams; a port in use must be an error, as for TCP.
            udp = try await Self.bindEitherFamily { host in
                var bootstrap = DatagramBootstrap(group: group)
                    .channelInitializer { [self] channel in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DatagramHandler(service: self)) }
                    }
                if host == Self.dualStackHost { bootstrap = bootstrap.channelOption(Self.ipv6Only, value: 0) }
                return try await bootstrap.bind(host: host, port: requestedPorts.udp).get()
            }
        } catch {
            throw LinkListenError(transport: .udp, port: requestedPorts.udp, underlying: error)
        }
        let udpPort = udp.localAddress?.port ?? 0
        state.withLock {
            $0.udpChannel = udp
            $0.table.udpPort = UInt16(udpPort)
        }
        let server: any Channel
        do {
            server = try await Self.bindEitherFamily { host in var bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: NodeConstants.linkListenBacklog)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [self] channel in
                    let source = channel.remoteAddress?.normalisedHost ?? "?"
                    let (link, decision, evicted, refused) = state.withLock { state in
                        let link = state.newLinkID()
                        let decision = state.table.connectionOpened(link, from: source, now: .now)
                        let refused = state.table.counters.rateLimitedConnections
                        guard case .accept(let evicting) = decision else { return (link, decision, nil as (any Channel)?, refused) }
                        state.channels[link] = channel
                        return (link, decision, evicting.flatMap { state.channels[$0] }, refused)
                    }
                    guard case .accept = decision else {
                        // A flood must not become a flood of log lines: the 1st,
                        // 2nd, 4th, 8th… refusal is logged, with the count.
                        if refused & (refused - 1) == 0 {
                            logger.notice("rate-limited handshake attempts (\(refused) so far)", metadata: ["remote": "\(source)"])
                        }
                        return channel.close()
                    }
                    evicted?.close(promise: nil)
                    return channel.eventLoop.makeCompletedFuture { try self.configure(channel, link: link, initiator: false) }
                }
                if host == Self.dualStackHost { bootstrap = bootstrap.serverChannelOption(Self.ipv6Only, value: 0) }
                return try await bootstrap.bind(host: host, port: requestedPorts.tcp).get()
            }
        } catch {
            try? await udp.close().get()
            throw LinkListenError(transport: .tcp, port: requestedPorts.tcp, underlying: error)
        }
        let ports = (tcp: server.localAddress?.port ?? 0, udp: udpPort)
        logger.info("links listening", metadata: ["tcp": "\(ports.tcp)", "udp": "\(ports.udp)"])
        return Listeners(tcp: server, udp: udp, ports: ports)
    }

    /// Binds a listener for both address families on one socket: `::` with
    /// `IPV6_V6ONLY` off (set explicitly: `net.ipv6.bindv6only` may say
    /// otherwise), so one port, announced once in mDNS and the hello, takes
    /// IPv4 (as mapped addresses, normalised by ``SocketAddress/normalisedHost``)
    /// and IPv6. Two sockets per transport would need the same port twice,
    /// which a port chosen by the kernel does not guarantee. A machine without
    /// IPv6 (disabled in the kernel) gets `0.0.0.0`; a port in use is an error
    /// either way.
    private static func bindEitherFamily(_ bind: (_ host: String) async throws -> any Channel) async throws -> any Channel {
        do {
            return try await bind(dualStackHost)
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES {
            throw error
        } catch {
            return try await bind("0.0.0.0")
        }
    }

    private static let dualStackHost = "::"
    private static let ipv6Only = ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only)

    /// Stops accepting, says goodbye on every link, then closes every
    /// connection (handshaking ones too) and the UDP socket.
    private func close(_ listeners: Listeners) async {
        try? await listeners.tcp.close().get()
        let (linked, all) = state.withLock { state in
            state.livenessTimer?.cancel()
            state.livenessTimer = nil
            return (state.table.currentLinks.compactMap { state.channels[$0] }, Array(state.channels.values))
        }
        for channel in linked {
            try? await channel.writeAndFlush(Frame.goodbye(sequence: 0)).get()
        }
        for channel in all {
            try? await channel.close().get()
        }
        try? await listeners.udp.close().get()
        linkEvents.finish()
    }

    /// - Parameter relay: for a relayed link, the join to make first (the
    ///   handshake starts once the forwarder has both sides) and where its datagrams go.
    /// - Parameter link: the number an accepted connection was registered under; nil for a dial.
    private func configure(
        _ channel: any Channel, link: LinkID? = nil, initiator: Bool, responder: DeviceFingerprint? = nil, relay: RelayJoin? = nil
    ) throws {
        let link = link ?? state.withLock { state in
            let link = state.newLinkID()
            state.channels[link] = channel
            return link
        }
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(ByteToMessageHandler(LengthPrefixDecoder()))
        if let relay { try operations.addHandler(RelayJoinGate(token: relay.token, logger: logger)) }
        try operations.addHandler(
            LinkHandler(link: link, initiator: initiator, responder: responder, relay: relay?.route, service: self))
    }

    @discardableResult
    public func dial(host: String, port: UInt16, expecting peer: DeviceFingerprint?) async -> Bool {
        await connect(host: host, port: port, initiator: true, responder: peer, relay: nil)
    }

    /// Joins a relay a forwarder set up (Docs/protocol.md §9.3): connects to
    /// the forwarder, presents the invitation's token, and runs the link
    /// through it once the forwarder has both sides — the same end-to-end
    /// Noise handshake as a direct link, which the forwarder cannot read.
    /// - Parameters:
    ///   - initiator: the invitation's role (the side that asked).
    ///   - peer: the colleague asked for (binds the initiator's first message to them).
    @discardableResult
    public func joinRelay(forwarderHost: String, port: UInt16, join: RelayJoin, initiator: Bool, peer: DeviceFingerprint? = nil) async -> Bool {
        await connect(host: forwarderHost, port: port, initiator: initiator, responder: peer, relay: join)
    }

    private func connect(host: String, port: UInt16, initiator: Bool, responder: DeviceFingerprint?, relay: RelayJoin?) async -> Bool {
        do {
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(WireConstants.dialTimeout))
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.configure(channel, initiator: initiator, responder: responder, relay: relay)
                    }
                }
            // An address is dialled as it is, a link-local one through its
            // `%interface` (sin6_scope_id); only a name goes to the resolver.
            if let address = try? SocketAddress(ipAddress: host, port: Int(port)) {
                _ = try await bootstrap.connect(to: address).get()
            } else {
                _ = try await bootstrap.connect(host: host, port: Int(port)).get()
            }
            return true
        } catch {
            logger.debug("could not dial \(host):\(port)", metadata: ["error": "\(error)", "relay": "\(relay != nil)"])
            if let responder {
                let (kind, text) = LinkErrorLog.describeConnect("\(error)", address: "\(host):\(port)", timeout: WireConstants.dialTimeout)
                recordLinkError(kind, text, peer: responder, address: "\(host):\(port)")
            }
            return false
        }
    }

    public func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool) -> Bool {
        let (channel, datagram, udp) = state.withLock { state -> ((any Channel)?, LinkTable.OutgoingDatagram?, (any Channel)?) in
            guard let route = state.table.route(frame, to: peer, preferDatagram: preferDatagram) else { return (nil, nil, nil) }
            return (state.channels[route.link], route.datagram, state.udpChannel)
        }
        if let datagram, let udp,
            let target = try? SocketAddress.target(host: datagram.host, port: Int(datagram.port), from: udp.localAddress?.protocol)
        {
            // The datagram is the fast path; the same frame also goes in the
            // stream, where the receiver drops it as already seen when the
            // datagram made it, and uses it when UDP did not get through.
            udp.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: datagram.bytes)), promise: nil)
        }
        guard let channel else { return false }
        channel.writeAndFlush(frame, promise: nil)
        return true
    }

    /// Several stream frames: one hop to the link's event loop, written in
    /// order, one flush (a group commit's receipts: one system call, not one each).
    public func send(_ frames: [Frame], to peer: DeviceFingerprint) -> Bool {
        guard let first = frames.first else { return true }
        let channel = state.withLock { state -> (any Channel)? in
            state.table.route(first, to: peer, preferDatagram: false).flatMap { state.channels[$0.link] }
        }
        guard let channel else { return false }
        channel.eventLoop.execute {
            for frame in frames { channel.write(frame, promise: nil) }
            channel.flush()
        }
        return true
    }

    /// The daemon refused `peer`: the table stops reading its link at once
    /// (its handler decodes nothing more, even what is already buffered), then it closes.
    public func disconnect(_ peer: DeviceFingerprint) {
        let channel = state.withLock { state in state.table.refuse(peer).flatMap { state.channels[$0] } }
        channel?.close(promise: nil)
    }

    public func dropLinks(unlessFrom localAddresses: Set<String>?) -> [DeviceFingerprint] {
        let (channels, down) = state.withLock { state in
            let dropped = state.table.drop(unlessFrom: localAddresses)
            return (dropped.close.compactMap { state.channels[$0] }, dropped.down)
        }
        guard !channels.isEmpty else { return down }
        for channel in channels { channel.close(promise: nil) }
        logger.debug("dropped links", metadata: ["links": "\(channels.count)", "kept from": "\(localAddresses.map { $0.sorted().joined(separator: ",") } ?? "nothing")"])
        return down
    }

    /// What the link layer turned away and let in so far: the figures an
    /// operator (or a test) reads to see that bad input is dropped, not served.
    public struct Counters: Sendable, Equatable {
        /// Connections closed for bad input: failed admission, malformed or replayed messages.
        public var refusedConnections = 0
        /// Connections closed at once because their source was over the handshake
        /// rate limit or already held its share of unadmitted connections.
        public var rateLimitedConnections = 0
        /// Unadmitted connections closed to make room for a newer one, when all
        /// sources together held ``WireConstants/pendingHandshakes``.
        public var evictedConnections = 0
        /// Established links dropped because a transport message failed
        /// authentication: damage or tampering in transit, not a wrong team key.
        public var transportAuthenticationFailures = 0
        /// Datagrams dropped: unknown index, forged, replayed, stale or malformed.
        public var droppedDatagrams = 0
        /// Datagrams authenticated (state frames are delivered, others ignored).
        public var acceptedDatagrams = 0
        /// Datagrams dropped before any work because their source was over its budget.
        public var rateLimitedDatagrams = 0
        /// Rekeys completed on this side's links (new datagram sessions installed).
        public var rekeys = 0
    }

    public var counters: Counters { state.withLock { $0.table.counters } }

    /// Open TCP connections, handshaking or linked: with one colleague
    /// linked and nothing dialling, 1 — whatever address families were tried.
    public var openConnections: Int { state.withLock { $0.channels.count } }

    // MARK: Called by handlers

    func isFresh(_ admitted: Envelope.Admitted, on link: LinkID) -> Bool {
        state.withLock { $0.table.isFresh(admitted, on: link, nowMilliseconds: wallClockMilliseconds()) }
    }

    func mayRead(_ link: LinkID) -> Bool {
        state.withLock { $0.table.mayRead(link) }
    }

    func reserveDatagramIndex(for link: LinkID) -> UInt32 {
        state.withLock { $0.table.reserveDatagramIndex(for: link) }
    }

    func installDatagramReceive(link: LinkID, peer: DeviceFingerprint, index: UInt32, key: SymmetricKey) {
        state.withLock { $0.table.installDatagramReceive(link: link, peer: peer, index: index, key: key, now: .now) }
    }

    func switchDatagramSend(link: LinkID, peer: DeviceFingerprint, index: UInt32, key: SymmetricKey) {
        state.withLock { $0.table.switchDatagramSend(link: link, peer: peer, index: index, key: key) }
    }

    func linkDropped(after error: LinkError) {
        state.withLock { $0.table.dropped(after: error) }
    }

    /// Files a link error under the colleague it happened with (``LinkErrorLog``).
    func recordLinkError(_ kind: LinkErrorKind, _ text: String, peer: DeviceFingerprint, address: String) {
        let now = Self.unixMilliseconds()
        state.withLock { $0.linkErrors.record(kind, text, peer: peer, address: address, atMilliseconds: now) }
    }

    /// A first message from `remote` passed admission but not the timestamp
    /// check (the tag is checked first: a team member whose clock is off).
    /// Counts it for the doctor, and answers whether a clock hint may go back
    /// (within the source's budget), remembering the hint for the link that follows.
    func clockRefused(_ message: [UInt8], from remote: String) -> Bool {
        let now = wallClockMilliseconds()
        let timestamp = Envelope.firstTimestamp(message) ?? now
        return state.withLock { state in
            if state.clockRefusals[remote] != nil || state.clockRefusals.count < Self.clockRefusalSources {
                state.clockRefusals[remote, default: ClockRefusal(count: 0, differenceMilliseconds: 0)].count += 1
                state.clockRefusals[remote]?.differenceMilliseconds = PeerClocks.difference(timestamp, now)
            }
            guard state.clockHints.allow(remote, now: .now) else { return false }
            state.clocks.hinted(firstMessageAt: timestamp, from: remote, now: now)
            return true
        }
    }

    /// The timestamp of a first message to `target` (``PeerClocks/target(peer:host:port:)``):
    /// this clock in the peer's time once a hint taught it, with this clock unmoved (`sentAt`).
    func handshakeTimestamp(to target: String) -> (timestamp: UInt64, sentAt: UInt64) {
        let now = wallClockMilliseconds()
        return (state.withLock { $0.clocks.timestamp(to: target, wallClock: now) }, now)
    }

    /// A clock hint answered a first message to `target` written at `sentAt`:
    /// the next dial is stamped in the responder's time.
    /// - Parameters:
    ///   - peer: the device dialled, when known (its last link error records the hint).
    ///   - address: where it was dialled, for that record.
    func clockHintReceived(_ responderMilliseconds: UInt64, sentAt: UInt64, from target: String, peer: DeviceFingerprint? = nil, address: String = "") {
        let now = wallClockMilliseconds()
        let offset = state.withLock {
            $0.clocks.learned(responderMilliseconds: responderMilliseconds, sentAt: sentAt, receivedAt: now, from: target)
        }
        logger.debug("a colleague's clock hint: its clock is \(PeerClocks.describe(offset)); dialling again in its time", metadata: ["target": "\(target)"])
        if let peer {
            recordLinkError(
                .clockHint, "\(address) refused the first handshake for the clock: its clock is \(PeerClocks.describe(offset)); dialled again in its time",
                peer: peer, address: address)
        }
    }

    /// Team members' first handshake messages refused because their timestamp
    /// was off by more than ``WireConstants/handshakeTimestampTolerance``,
    /// by source address since start, until a link from that address completes.
    public var clockRefusals: [String: ClockRefusal] { state.withLock { $0.clockRefusals } }

    /// Linked colleagues whose clock differs from this one by more than the
    /// handshake accepts: their clock − this clock, in ms (Docs/protocol.md §4.4.1).
    public var clockDifferences: [DeviceFingerprint: Int64] { state.withLock { $0.clocks.differences } }

    /// Registers a link after its handshake and closes the loser of a
    /// duplicate; returns the hello to send, nil when this link lost.
    /// - Parameter clockTarget: what the initiator's first message was stamped
    ///   for (its clock offset), nil for a responder.
    func linkEstablished(
        _ peer: DeviceFingerprint, link: LinkID, initiator: Bool, remoteHost: String, keys: SecureSession.DatagramKeys,
        relay: RelayRoute?, clockTarget: String? = nil
    ) -> Frame? {
        let now = wallClockMilliseconds()
        let (established, loser, difference, sweepBy) = state.withLock { state in
            let localHost = state.channels[link]?.localAddress?.normalisedHost ?? ""
            let established = state.table.established(
                peer: peer, link: link, initiator: initiator, remoteHost: remoteHost, keys: keys, relay: relay, localHost: localHost)
            let difference = state.clocks.linked(peer, initiator: initiator, target: clockTarget, remoteHost: remoteHost, now: now)
            if !initiator { state.clockRefusals[remoteHost] = nil }
            let sweepBy = state.liveness.established(link, dialler: initiator, at: .now)
            return (established, established.close.flatMap { state.channels[$0] }, difference, sweepBy)
        }
        if let difference {
            // Once per colleague (and again only if it changes): the user should set the clock right.
            logger.warning(
                "this colleague's clock is \(PeerClocks.describe(difference)); linked anyway, in the responder's time (set the wrong clock right: timedatectl)",
                metadata: ["peer": "\(peer.compact.prefix(8))", "differenceMs": "\(difference)"])
        }
        armLivenessTimer(at: sweepBy)
        if let loser {
            logger.debug("closing a duplicate link", metadata: ["peer": "\(peer.compact.prefix(8))"])
            loser.close(promise: nil)
        }
        if let down = established.down { linkEvents.yield(.down(down)) }
        return established.hello
    }

    func frameReceived(_ frame: Frame, from peer: DeviceFingerprint, link: LinkID) {
        if let event = state.withLock({ $0.table.received(frame, from: peer, on: link) }) {
            linkEvents.yield(event)
        }
    }

    func linkClosed(_ link: LinkID) {
        let event = state.withLock { state in
            state.channels[link] = nil
            state.liveness.closed(link)
            return state.table.closed(link)
        }
        if let event { linkEvents.yield(event) }
    }

    /// A frame went out on `link`'s stream (its keepalive can wait).
    func streamSent(on link: LinkID) {
        state.withLock { $0.liveness.sent(on: link, at: .now) }
    }

    /// A message arrived on `link`'s stream; true when it was a keepalive to answer now.
    func streamReceived(on link: LinkID, keepalive: Bool) -> Bool {
        state.withLock { $0.liveness.received(on: link, keepalive: keepalive, at: .now) }
    }

    /// Brings the liveness sweep forward to `deadline` when it is set later
    /// (or not at all). Deadlines only move later as frames come and go, so a
    /// timer set for an old one fires early at worst, never late.
    private func armLivenessTimer(at deadline: ContinuousClock.Instant?) {
        guard let deadline else { return }
        state.withLock { state in
            if let armed = state.livenessTimerAt, armed <= deadline { return }
            state.livenessTimer?.cancel()
            state.livenessTimerAt = deadline
            let delay = max(deadline - .now, .milliseconds(1))
            state.livenessTimer = livenessLoop.scheduleTask(in: TimeAmount(delay)) { [self] in sweepLiveness() }
        }
    }

    /// The one liveness timer fired: keepalives for the links that owe one
    /// (written on their own loops), the silent ones closed.
    private func sweepLiveness() {
        let now = Self.unixMilliseconds()
        let (sweep, keepalive, dead) = state.withLock { state in
            state.livenessTimer = nil
            state.livenessTimerAt = nil
            let sweep = state.liveness.sweep(at: .now)
            for link in sweep.dead {
                guard let peer = state.table.peer(of: link) else { continue }
                let remote = state.channels[link]?.remoteAddress?.ipAddress ?? "?"
                state.linkErrors.record(
                    .silent, "the link with \(remote) was silent for \(WireConstants.deadPeerTimeout) and was closed: the colleague's machine slept, or the network between you failed",
                    peer: peer, address: remote, atMilliseconds: now)
            }
            return (sweep, sweep.keepalives.compactMap { state.channels[$0] }, sweep.dead.compactMap { state.channels[$0] })
        }
        for channel in keepalive { channel.writeAndFlush(Frame.keepalive(sequence: 0), promise: nil) }
        for channel in dead {
            logger.info("link silent for \(WireConstants.deadPeerTimeout); the peer is gone", metadata: ["remote": "\(channel.remoteAddress?.normalisedHost ?? "?")"])
            channel.close(promise: nil)
        }
        armLivenessTimer(at: sweep.next)
    }

    func datagramReceived(_ bytes: [UInt8], from source: String) {
        let now = ContinuousClock.now
        let outcome = state.withLock { state in
            let outcome = state.table.openDatagram(bytes, from: source, now: now)
            if case .echoReply(let nonce, let peer) = outcome {
                for (id, entry) in state.udpChecks where entry.peer == peer {
                    if state.udpChecks[id]?.check.replied(nonce: nonce, at: now) == true { break }
                }
            }
            return outcome
        }
        switch outcome {
        case .deliver(let event): linkEvents.yield(event)
        case .answer(let reply): sendDatagram(reply)
        case .ignored, .echoReply: break
        case .dropped(let error): logger.debug("dropped a datagram: \(error)")
        }
    }

    private func sendDatagram(_ datagram: LinkTable.OutgoingDatagram) {
        guard let udp = state.withLock({ $0.udpChannel }), let target = try? SocketAddress(ipAddress: datagram.host, port: Int(datagram.port)) else { return }
        udp.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: datagram.bytes)), promise: nil)
    }

    // MARK: natter doctor PEER

    /// How the link to `peer` runs, checked for `natter doctor PEER`: direct
    /// or through a forwarder, its remote end, and a state datagram's round
    /// trip (Docs/protocol.md §6.5). Waits at most ``WireConstants/udpCheckTimeout``.
    public func checkPath(to peer: DeviceFingerprint) async -> LinkPathCheck {
        let facts = state.withLock { state -> (LinkTable.PathFacts, String)? in
            guard let path = state.table.path(to: peer) else { return nil }
            let remote = state.channels[path.link]?.remoteAddress
            let end = path.relayed ? "\(path.remoteHost):\(remote?.port ?? 0)" : path.remoteHost
            return (path, end)
        }
        let lastError = state.withLock { $0.linkErrors.last(for: peer) }.map {
            LinkErrorView(kind: $0.kind, text: $0.text, address: $0.address, at: $0.atMilliseconds)
        }
        guard let (path, remote) = facts else {
            return LinkPathCheck(link: nil, remote: nil, udp: UDPCheckView(outcome: .noLink), lastError: lastError)
        }
        return LinkPathCheck(link: path.relayed ? .relayed : .direct, remote: remote, udp: await checkUDP(to: peer, path: path), lastError: lastError)
    }

    /// Sends echo requests as ``UDPEchoCheck`` asks, until it is answered or times out.
    private func checkUDP(to peer: DeviceFingerprint, path: LinkTable.PathFacts) async -> UDPCheckView {
        guard let target = path.udpTarget else { return UDPCheckView(outcome: .noUDPPort) }
        let destination = "\(target.host):\(target.port)"
        guard path.answersEcho else { return UDPCheckView(outcome: .unsupported, target: destination) }
        let id = state.withLock { state in
            defer { state.nextUDPCheck += 1 }
            state.udpChecks[state.nextUDPCheck] = (peer, UDPEchoCheck(startedAt: .now))
            return state.nextUDPCheck
        }
        defer { _ = state.withLock { $0.udpChecks.removeValue(forKey: id) } }
        while true {
            let step = state.withLock { $0.udpChecks[id]?.check.next(at: .now) } ?? .finished(.unanswered(requests: 0))
            switch step {
            case .send(let nonce):
                switch state.withLock({ $0.table.echoRequest(nonce, to: peer) }) {
                case .send(let datagram): sendDatagram(datagram)
                case .noLink: return UDPCheckView(outcome: .noLink)
                case .noUDPPort: return UDPCheckView(outcome: .noUDPPort)
                case .notAnswered: return UDPCheckView(outcome: .unsupported, target: destination)
                }
            case .wait(let until):
                // A reply settles the check on the datagram's event loop, with
                // its own arrival time; this loop only has to notice it.
                try? await Task.sleep(until: min(until, .now + Self.udpCheckPoll))
            case .finished(.answered(let roundTrip, let requests)):
                let micros = Int(roundTrip.components.seconds * 1_000_000 + roundTrip.components.attoseconds / 1_000_000_000_000)
                return UDPCheckView(outcome: .answered, target: destination, requests: requests, roundTripMicroseconds: micros)
            case .finished(.unanswered(let requests)):
                return UDPCheckView(outcome: .unanswered, target: destination, requests: requests)
            }
        }
    }

    /// How often a UDP check's waiting loop looks for a reply (the round trip is measured at the reply).
    static let udpCheckPoll: Duration = .milliseconds(5)

    /// The wall clock handshakes are stamped and checked with (Docs/protocol.md §4.4).
    func wallClockMilliseconds() -> UInt64 { Self.unixMilliseconds(offset: clockOffsetMilliseconds) }

    static func unixMilliseconds(offset: Int64 = 0) -> UInt64 {
        UInt64(clamping: Int64(Date().timeIntervalSince1970 * 1000) + offset)
    }
}
