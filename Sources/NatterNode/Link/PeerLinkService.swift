import Crypto
import Foundation
public import Logging
import NIOCore
import NIOPosix
public import NatterCore
public import NatterWire
import Synchronization

/// The link layer: listens on TCP (handshakes, frames) and UDP (state
/// datagrams), dials colleagues, and keeps one authenticated link per
/// colleague. The daemon sees it through ``PeerLinks``.
///
/// Thread safety: NIO handlers call in from event loops, the daemon from its
/// actor; all shared state sits in one `Mutex`.
public final class PeerLinkService: PeerLinks, Sendable {
    let identity: DeviceIdentity
    let team: TeamKey
    let logger: Logger
    private let displayName: String
    private let group: any EventLoopGroup
    private let state: Mutex<State>
    private let continuation: AsyncStream<LinkEvent>.Continuation
    public let events: AsyncStream<LinkEvent>

    private struct Link {
        let channel: any Channel
        /// Who dialled: settles simultaneous connects (the lower fingerprint's dial wins).
        let initiator: DeviceFingerprint
        let remoteHost: String
        let localIndex: UInt32
        let sendKey: SymmetricKey
        var udpTarget: SocketAddress?
        var remoteIndex: UInt32?
        var counter: UInt64 = 0
        var announced = false
    }

    private struct DatagramSession {
        let fingerprint: DeviceFingerprint
        let key: SymmetricKey
        var window = ReplayWindow()
    }

    private struct State {
        var links: [DeviceFingerprint: Link] = [:]
        var datagramSessions: [UInt32: DatagramSession] = [:]
        var replayCache = HandshakeReplayCache()
        var rateLimiter = SourceRateLimiter(limit: WireConstants.handshakesPerSource, window: WireConstants.rateLimitWindow, now: .now)
        var tcpServer: (any Channel)?
        var udpChannel: (any Channel)?
        var udpPort = 0
        var counters = Counters()
    }

    public init(identity: DeviceIdentity, team: TeamKey, displayName: String, logger: Logger) {
        self.identity = identity
        self.team = team
        self.displayName = displayName
        self.logger = logger
        group = MultiThreadedEventLoopGroup.singleton
        state = Mutex(State())
        (events, continuation) = AsyncStream<LinkEvent>.makeStream()
    }

    /// Binds the TCP and UDP listeners; port 0 picks free ports.
    /// - Returns: the bound ports (published over mDNS).
    public func start(tcpPort: Int, udpPort: Int) async throws -> (tcp: Int, udp: Int) {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                let source = channel.remoteAddress?.ipAddress ?? "?"
                let allowed = state.withLock { state in
                    let allowed = state.rateLimiter.allow(source, now: .now)
                    if !allowed { state.counters.rateLimitedConnections += 1 }
                    return allowed
                }
                guard allowed else {
                    logger.notice("rate-limited handshake attempts", metadata: ["remote": "\(source)"])
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture { try self.configure(channel, initiator: false) }
            }
            .bind(host: "0.0.0.0", port: tcpPort).get()
        let udp = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { [self] channel in
                channel.pipeline.addHandler(DatagramHandler(service: self))
            }
            .bind(host: "0.0.0.0", port: udpPort).get()
        let ports = (server.localAddress?.port ?? 0, udp.localAddress?.port ?? 0)
        state.withLock {
            $0.tcpServer = server
            $0.udpChannel = udp
            $0.udpPort = ports.1
        }
        logger.info("links listening", metadata: ["tcp": "\(ports.0)", "udp": "\(ports.1)"])
        return ports
    }

    private func configure(_ channel: any Channel, initiator: Bool) throws {
        let timeouts = IdleStateHandler(
            readTimeout: .seconds(WireConstants.deadPeerTimeout.components.seconds),
            writeTimeout: .seconds(WireConstants.keepaliveInterval.components.seconds))
        try channel.pipeline.syncOperations.addHandlers([
            timeouts, ByteToMessageHandler(LengthPrefixDecoder()), LinkHandler(initiator: initiator, service: self),
        ])
    }

    public func dial(host: String, port: UInt16) async {
        do {
            _ = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(3))
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture { try self.configure(channel, initiator: true) }
                }
                .connect(host: host, port: Int(port)).get()
        } catch {
            logger.debug("could not dial \(host):\(port)", metadata: ["error": "\(error)"])
        }
    }

    public func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool) -> Bool {
        let (channel, datagram, udp) = state.withLock { state -> ((any Channel)?, ([UInt8], SocketAddress)?, (any Channel)?) in
            guard var link = state.links[peer], link.announced else { return (nil, nil, nil) }
            var datagram: ([UInt8], SocketAddress)?
            if preferDatagram, let target = link.udpTarget, let index = link.remoteIndex {
                datagram = (DatagramCodec.seal(frame, receiverIndex: index, counter: link.counter, key: link.sendKey), target)
                link.counter += 1
                state.links[peer] = link
            }
            return (link.channel, datagram, state.udpChannel)
        }
        if let (bytes, target) = datagram, let udp {
            // The datagram is the fast path; the same frame also goes in the
            // stream, where the receiver drops it as already seen when the
            // datagram made it, and uses it when UDP did not get through.
            udp.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: bytes)), promise: nil)
        }
        guard let channel else { return false }
        channel.writeAndFlush(frame, promise: nil)
        return true
    }

    public func disconnect(_ peer: DeviceFingerprint) {
        let channel = state.withLock { $0.links[peer]?.channel }
        channel?.close(promise: nil)
    }

    /// Says goodbye on every link and closes the listeners.
    public func shutdown() async {
        let (channels, server, udp) = state.withLock { state in
            (state.links.values.map(\.channel), state.tcpServer, state.udpChannel)
        }
        for channel in channels {
            try? await channel.writeAndFlush(Frame.goodbye(sequence: 0)).get()
            try? await channel.close().get()
        }
        try? await server?.close().get()
        try? await udp?.close().get()
        continuation.finish()
    }

    /// What the link layer turned away and let in so far: the figures an
    /// operator (or a test) reads to see that bad input is dropped, not served.
    public struct Counters: Sendable, Equatable {
        /// Connections closed for bad input: failed admission, malformed or replayed messages.
        public var refusedConnections = 0
        /// Connections closed at once because their source was over the handshake rate limit.
        public var rateLimitedConnections = 0
        /// Established links dropped because a transport message failed
        /// authentication: damage or tampering in transit, not a wrong team key.
        public var transportAuthenticationFailures = 0
        /// Datagrams dropped: unknown index, forged, replayed, stale or malformed.
        public var droppedDatagrams = 0
        /// Datagrams authenticated and delivered.
        public var acceptedDatagrams = 0
    }

    public var counters: Counters { state.withLock { $0.counters } }

    // MARK: Called by handlers

    func isFresh(admitTag: [UInt8]) -> Bool {
        state.withLock { $0.replayCache.insert(admitTag) }
    }

    func countRefusal() {
        state.withLock { $0.counters.refusedConnections += 1 }
    }

    /// Registers a link after its handshake; returns the hello frame to send.
    func linkEstablished(_ peer: DeviceFingerprint, channel: any Channel, initiator: Bool, keys: SecureSession.DatagramKeys) -> Frame {
        let localIndex = UInt32.random(in: 1...UInt32.max)
        let initiatorFingerprint = initiator ? identity.fingerprint : peer
        let host = channel.remoteAddress?.ipAddress ?? ""
        let (loser, udpPort): ((any Channel)?, Int) = state.withLock { state in
            var loser: (any Channel)?
            if let existing = state.links[peer], existing.channel !== channel {
                let preferred = min(identity.fingerprint, peer)
                let keepExisting = existing.initiator == preferred && initiatorFingerprint != preferred
                if keepExisting { return (channel, state.udpPort) }
                loser = existing.channel
                state.datagramSessions[existing.localIndex] = nil
            }
            var link = Link(channel: channel, initiator: initiatorFingerprint, remoteHost: host, localIndex: localIndex, sendKey: keys.send)
            link.announced = state.links[peer]?.announced ?? false
            state.links[peer] = link
            state.datagramSessions[localIndex] = DatagramSession(fingerprint: peer, key: keys.receive)
            return (loser, state.udpPort)
        }
        if let loser {
            if loser === channel {
                logger.debug("closing a duplicate link", metadata: ["peer": "\(peer.compact.prefix(8))"])
            }
            loser.close(promise: nil)
        }
        return .hello(sequence: 0, name: displayName, udpPort: UInt16(udpPort), datagramIndex: localIndex)
    }

    func frameReceived(_ frame: Frame, from peer: DeviceFingerprint, channel: any Channel) {
        switch frame {
        case .hello(_, let name, let udpPort, let index):
            let (announce, host) = state.withLock { state -> (Bool, String) in
                guard var link = state.links[peer], link.channel === channel else { return (false, "") }
                if udpPort != 0, let target = try? SocketAddress(ipAddress: link.remoteHost, port: Int(udpPort)) {
                    link.udpTarget = target
                    link.remoteIndex = index
                }
                let announce = !link.announced
                link.announced = true
                state.links[peer] = link
                return (announce, link.remoteHost)
            }
            if announce { continuation.yield(.up(peer, name: name, remoteHost: host)) }
        default:
            deliver(frame, from: peer)
        }
    }

    /// Hands a chat, state or ack frame to the daemon.
    private func deliver(_ frame: Frame, from peer: DeviceFingerprint) {
        switch frame {
        case .chat, .state, .ack:
            continuation.yield(.received(frame, from: peer))
        case .keepalive, .goodbye, .hello:
            break
        }
    }

    func linkClosed(_ peer: DeviceFingerprint, channel: any Channel) {
        let wasCurrent = state.withLock { state -> Bool in
            guard let link = state.links[peer], link.channel === channel else { return false }
            state.links[peer] = nil
            state.datagramSessions[link.localIndex] = nil
            return link.announced
        }
        if wasCurrent { continuation.yield(.down(peer)) }
    }

    func datagramReceived(_ bytes: [UInt8]) {
        let result: Result<(Frame, DeviceFingerprint), LinkError> = state.withLock { state in
            do {
                let index = try DatagramCodec.receiverIndex(of: bytes)
                guard var session = state.datagramSessions[index] else { throw LinkError.admissionFailed }
                let frame = try DatagramCodec.open(bytes, key: session.key, window: &session.window)
                state.datagramSessions[index] = session
                state.counters.acceptedDatagrams += 1
                return .success((frame, session.fingerprint))
            } catch let error as LinkError {
                state.counters.droppedDatagrams += 1
                return .failure(error)
            } catch {
                state.counters.droppedDatagrams += 1
                return .failure(.truncated)
            }
        }
        switch result {
        case .success(let (frame, peer)):
            if case .state = frame { deliver(frame, from: peer) }
        case .failure(let error):
            logger.debug("dropped a datagram: \(error)")
        }
    }

    static func unixMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}

