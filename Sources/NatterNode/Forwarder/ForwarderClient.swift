import Foundation
import Logging
import NIOCore
import NIOPosix
import NatterCore
import NatterDiscovery
import NatterWire
import Synchronization

/// What a ``ForwarderClient`` tells the set of forwarders it belongs to.
protocol ForwarderClientDelegate: AnyObject, Sendable {
    func forwarder(_ client: ForwarderClient, listed entry: DirectoryEntry)
    func forwarder(_ client: ForwarderClient, withdrew keyedFingerprint: [UInt8])
    func forwarder(_ client: ForwarderClient, invited invitation: RelayInvitation)
}

/// One forwarder, from this member's side: keeps a control connection to it
/// (reconnecting quickly after it restarts), registers, mirrors its
/// directory, and asks it for relays.
final class ForwarderClient: Sendable {
    /// How the kernel tells this member that the forwarder's machine is gone
    /// (Docs/protocol.md §9.3, Liveness); a restarted forwarder closes the
    /// connection itself, at once.
    static let keepalive = ControlConnectionKeepalive.standard
    /// Reconnect delays: short, so that a restarted forwarder has everyone
    /// registered again within seconds (issue: within 5 s).
    static let reconnectFirst: Duration = .milliseconds(250)
    static let reconnectMaximum: Duration = .seconds(2)
    /// How long a relay request waits for the forwarder's answer.
    static let relayAnswerTimeout: Duration = .seconds(5)

    let endpoint: StaticPeer
    private let key: ForwarderKey
    private let logger: Logger
    private weak let delegate: (any ForwarderClientDelegate)?
    /// This machine's wall clock, Unix ms (moved in tests: Docs/testing.md).
    private let wallClock: @Sendable () -> UInt64
    private let state: Mutex<State>

    private struct State {
        var registration: DirectoryEntry
        var channel: (any Channel)?
        /// The forwarder's address as connected (datagrams go there) and its relay port.
        var forwarderAddress: String?
        var relayUDPPort: UInt16?
        var directory: [[UInt8]: DirectoryEntry] = [:]
        var pending: [UInt32: CheckedContinuation<RelayInvitation?, Never>] = [:]
        var nextRequestID: UInt32 = 1
        /// The forwarder accepted the registration on the current connection.
        var registered = false
        /// The forwarder's clock − this one, ms, learned from its clock hint
        /// (Docs/protocol.md §9.3.1): hellos are stamped in its time.
        var clockOffset: Int64 = 0
        /// When the current connection's hello was written, by this clock.
        var helloSentAt: UInt64 = 0
        var registrationFeatures = RegistrationFeatures()
        /// The current connection's welcome arrived (the forwarder admitted it).
        var admitted = false
    }

    init(
        endpoint: StaticPeer, key: ForwarderKey, registration: DirectoryEntry, delegate: any ForwarderClientDelegate, logger: Logger,
        wallClock: @escaping @Sendable () -> UInt64 = { AvahiDiscovery.wallClock() }
    ) {
        self.endpoint = endpoint
        self.key = key
        self.delegate = delegate
        self.logger = logger
        self.wallClock = wallClock
        state = Mutex(State(registration: registration))
    }

    /// Connects, and reconnects whenever the connection ends, until cancelled;
    /// then says goodbye (the forwarder withdraws this member at once).
    func run() async {
        var delay = Self.reconnectFirst
        while !Task.isCancelled {
            let registered = await connectOnce()
            delay = registered ? Self.reconnectFirst : min(delay * 2, Self.reconnectMaximum)
            do { try await Task.sleep(for: delay) } catch { break }
        }
    }

    /// One connection's life; true when it got as far as a registration.
    private func connectOnce() async -> Bool {
        let sentAt = wallClock()
        let (registration, offset, features) = state.withLock { state in
            state.helloSentAt = sentAt
            return (state.registration, state.clockOffset, state.registrationFeatures.features)
        }
        let session = ForwarderSession(
            key: key, registration: registration, features: features, nowMilliseconds: PeerClocks.moved(sentAt, by: offset))
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(WireConstants.dialTimeout))
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        for option in Self.keepalive.socketOptions {
                            try channel.syncOptions?.setOption(
                                ChannelOptions.Types.SocketOption(
                                    level: NIOBSDSocket.OptionLevel(rawValue: option.level), name: NIOBSDSocket.Option(rawValue: option.name)),
                                value: Int(option.value))
                        }
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(LengthPrefixDecoder()),
                            ForwarderControlHandler(session: session, client: self, logger: logger),
                        ])
                    }
                }
                .connect(host: endpoint.host, port: Int(endpoint.port)).get()
        } catch {
            logger.debug("could not reach forwarder \(endpoint)", metadata: ["error": "\(error)"])
            return false
        }
        state.withLock {
            $0.channel = channel
            $0.forwarderAddress = channel.remoteAddress?.ipAddress
        }
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.writeAndFlush(ForwarderMessage.goodbye).whenComplete { _ in channel.close(promise: nil) }
        }
        return state.withLock { state in
            defer {
                state.registrationFeatures.connectionEnded(admitted: state.admitted, registered: state.registered)
                state.registered = false
                state.admitted = false
            }
            return state.registered
        }
    }

    /// The forwarder accepted the registration on the current connection (`natter doctor`).
    var isRegistered: Bool { state.withLock { $0.registered } }

    /// The forwarder's clock − this one (ms) when a clock hint showed they
    /// differ by more than a hello may (`natter doctor`); nil otherwise.
    var clockDifference: Int64? {
        state.withLock { $0.clockOffset.magnitude > UInt64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds) ? $0.clockOffset : nil }
    }

    /// The forwarder refused this hello for its timestamp and said its time:
    /// the next hello is stamped in it (the dial follows at once). Said once
    /// per difference, at warning level: a clock is wrong on one side.
    func clockHintReceived(_ forwarderMilliseconds: UInt64) {
        let receivedAt = wallClock()
        let (offset, moved) = state.withLock { state in
            let midpoint = state.helloSentAt / 2 + receivedAt / 2
            let offset = PeerClocks.difference(forwarderMilliseconds, midpoint)
            let moved = (offset - state.clockOffset).magnitude > UInt64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds)
            state.clockOffset = offset
            return (offset, moved)
        }
        guard moved else { return }
        logger.warning(
            "forwarder \(endpoint) refused the registration for the clock: its clock is \(PeerClocks.describe(offset)); registering in its time (set the wrong clock right: timedatectl)",
            metadata: ["differenceMs": "\(offset)"])
    }

    // MARK: Called by the handler

    func received(_ message: ForwarderMessage) {
        switch message {
        case .registered(let observed, let relayUDPPort):
            state.withLock {
                $0.relayUDPPort = relayUDPPort
                $0.registered = true
            }
            logger.info("registered with forwarder \(endpoint)", metadata: ["seen as": "\(observed)"])
        case .peer(let entry):
            apply(.peer(entry))
        case .peerGone(let keyed):
            apply(.peerGone(keyedFingerprint: keyed))
        case .directory(let changes):
            for change in changes { apply(change) }
        case .relayInvitation(let invitation) where invitation.requestID == 0:
            delegate?.forwarder(self, invited: invitation)
        case .relayInvitation(let invitation):
            state.withLock { $0.pending.removeValue(forKey: invitation.requestID) }?.resume(returning: invitation)
        case .relayRefused(let id, let reason):
            logger.notice("forwarder \(endpoint) refused a relay: \(reason)")
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: nil)
        case .directoryComplete, .keepalive, .goodbye, .register, .registerWithFeatures, .relayRequest:
            break
        }
    }

    /// The forwarder admitted the connection (its welcome checked out).
    func admitted() {
        state.withLock { $0.admitted = true }
    }

    private func apply(_ change: DirectoryChange) {
        switch change {
        case .peer(let entry):
            state.withLock { $0.directory[entry.keyedFingerprint] = entry }
            delegate?.forwarder(self, listed: entry)
        case .peerGone(let keyed):
            guard state.withLock({ $0.directory.removeValue(forKey: keyed) }) != nil else { return }
            delegate?.forwarder(self, withdrew: keyed)
        }
    }

    /// The connection ended: everything it listed is withdrawn, open relay
    /// requests get no answer.
    func connectionClosed() {
        let (listed, pending, wasRegistered) = state.withLock { state in
            defer {
                state.directory = [:]
                state.pending = [:]
                state.channel = nil
                state.relayUDPPort = nil
            }
            return (Array(state.directory.keys), Array(state.pending.values), state.relayUDPPort != nil)
        }
        if wasRegistered { logger.notice("lost the connection to forwarder \(endpoint); reconnecting") }
        for keyed in listed { delegate?.forwarder(self, withdrew: keyed) }
        for request in pending { request.resume(returning: nil) }
    }

    // MARK: Used by the set of forwarders

    /// Whether this client's connection goes to `endpoint`'s address and port
    /// (a configured host name and an mDNS address can name one forwarder).
    func isConnected(to endpoint: StaticPeer) -> Bool {
        endpoint.port == self.endpoint.port && state.withLock { $0.forwarderAddress } == endpoint.host
    }

    /// Whether this forwarder lists `keyedFingerprint` now.
    func lists(_ keyedFingerprint: [UInt8]) -> Bool {
        state.withLock { $0.directory[keyedFingerprint] != nil }
    }

    /// Where relayed datagrams go: the forwarder's address and relay port, once registered.
    var relayEndpoint: (host: String, udpPort: UInt16)? {
        state.withLock { state in
            guard let host = state.forwarderAddress, let port = state.relayUDPPort else { return nil }
            return (host, port)
        }
    }

    /// Registers anew with changed details (name, status), now and on every reconnect.
    func reregister(_ entry: DirectoryEntry) {
        let channel = state.withLock { state in
            state.registration = entry
            return state.channel
        }
        channel?.writeAndFlush(ForwarderMessage.register(entry), promise: nil)
    }

    /// Asks for a relay to `keyedFingerprint`; the invitation, or nil when
    /// refused, unanswered or not connected.
    func requestRelay(to keyedFingerprint: [UInt8]) async -> RelayInvitation? {
        let (channel, id) = state.withLock { state -> ((any Channel)?, UInt32) in
            defer { state.nextRequestID &+= 1 }
            return (state.channel, state.nextRequestID == 0 ? 1 : state.nextRequestID)
        }
        guard let channel else { return nil }
        let timeout = Task { [weak self] in
            try await Task.sleep(for: Self.relayAnswerTimeout)
            self?.state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: nil)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { continuation in
            state.withLock { $0.pending[id] = continuation }
            channel.writeAndFlush(ForwarderMessage.relayRequest(id: id, target: keyedFingerprint), promise: nil)
        }
    }
}
