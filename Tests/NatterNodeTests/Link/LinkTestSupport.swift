import CNIOLinux  // owns sockaddr_in in this module's graph (MemberImportVisibility)
import Foundation
import CNIOLinux
import Glibc
import Logging
import NIOCore
import NIOPosix
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Synchronization
import Testing

/// One peer's link layer on loopback, with its own identity and log, run the
/// way `natter up`'s service group runs it.
struct LinkPeer: Sendable {
    let service: PeerLinkService
    let identity: DeviceIdentity
    let log: LogRecorder
    let ports: (tcp: Int, udp: Int)
    let events: EventCollector
    private let running: Task<Void, any Error>

    var fingerprint: DeviceFingerprint { identity.fingerprint }

    static func start(
        name: String, team: TeamKey, identity: DeviceIdentity = DeviceIdentity(), rekeyPolicy: RekeyPolicy = .standard,
        clockOffsetMilliseconds: Int64 = 0
    ) async throws -> LinkPeer {
        let log = LogRecorder()
        let service = PeerLinkService(
            identity: identity, team: team, displayName: name, tcpPort: 0, udpPort: 0, logger: log.logger(name), rekeyPolicy: rekeyPolicy,
            clockOffsetMilliseconds: clockOffsetMilliseconds)
        let running = Task { try await service.run() }
        let ports = try await service.boundPorts()
        return LinkPeer(service: service, identity: identity, log: log, ports: ports, events: EventCollector(service.events), running: running)
    }

    /// Shuts the service down the way the group does at a signal (cancellation
    /// is graceful): goodbye on every link, then everything closes. Returns at
    /// once, so a `defer` can call it.
    func stop() { running.cancel() }

    /// Two peers of one team, linked (Alice dialled) and each seeing the other up.
    static func linkedPair(team: TeamKey = TeamKey()) async throws -> (alice: LinkPeer, bob: LinkPeer) {
        let alice = try await LinkPeer.start(name: "Alice", team: team)
        let bob = try await LinkPeer.start(name: "Bob", team: team)
        await alice.dial(bob)
        #expect(await alice.events.wait { $0.upPeers == [bob.fingerprint] })
        #expect(await bob.events.wait { $0.upPeers == [alice.fingerprint] })
        return (alice, bob)
    }

    /// Dials `other` as a daemon dials a colleague it discovered (bound to its
    /// fingerprint), or, with `bound` false, as it dials a static peer.
    func dial(_ other: LinkPeer, bound: Bool = true) async {
        await service.dial(host: "127.0.0.1", port: UInt16(other.ports.tcp), expecting: bound ? other.fingerprint : nil)
    }
}

/// A first handshake message for `team`, as a dialling peer would send it, and
/// the session that sent it.
func firstHandshakeMessage(
    team: TeamKey, identity: DeviceIdentity = DeviceIdentity(), to responder: DeviceFingerprint? = nil
) throws -> (SecureSession, [UInt8]) {
    var session = SecureSession(initiator: true, identity: identity, team: team, responder: responder)
    let first = try session.start(nowMilliseconds: PeerLinkService.unixMilliseconds())
    return (session, first)
}

/// A peer driven by hand over a raw connection: a real ``SecureSession``
/// completes the handshake and sends its hello, then the test sends what it likes.
struct HandDrivenPeer {
    let connection: RawConnection
    var session: SecureSession
    let fingerprint: DeviceFingerprint
    /// The static key the listening side proved in the handshake.
    let remoteStaticKey: [UInt8]

    static func link(to port: Int, team: TeamKey, name: String) async throws -> HandDrivenPeer {
        let identity = DeviceIdentity()
        var (session, first) = try firstHandshakeMessage(team: team, identity: identity)
        let connection = try await RawConnection.connect(port: port)
        try await connection.sendMessage(first)
        let second = try #require(await connection.nextMessage())
        var remoteKey: [UInt8]?
        for output in try session.receive(second) {
            switch output {
            case .send(let third): try await connection.sendMessage(third)
            case .established(let key, _): remoteKey = key
            default: break
            }
        }
        try await connection.sendMessage(try session.seal(.hello(sequence: 0, name: name, udpPort: 0, datagramIndex: 1)))
        return HandDrivenPeer(connection: connection, session: session, fingerprint: identity.fingerprint, remoteStaticKey: try #require(remoteKey))
    }
}

/// Collects a link layer's events in the background.
final class EventCollector: Sendable {
    private final class Box: Sendable {
        let events = Mutex<[LinkEvent]>([])
        let finished = Mutex(false)
    }
    private let box = Box()

    init(_ stream: AsyncStream<LinkEvent>) {
        Task { [box] in
            for await event in stream { box.events.withLock { $0.append(event) } }
            box.finished.withLock { $0 = true }
        }
    }

    var all: [LinkEvent] { box.events.withLock { $0 } }

    /// The stream ended: the service has shut down.
    var isFinished: Bool { box.finished.withLock { $0 } }

    var upPeers: [DeviceFingerprint] {
        all.compactMap { if case .up(let peer, _, _, _) = $0 { peer } else { nil } }
    }

    var downPeers: [DeviceFingerprint] {
        all.compactMap { if case .down(let peer) = $0 { peer } else { nil } }
    }

    var frames: [Frame] {
        all.compactMap { if case .received(let frame, _) = $0 { frame } else { nil } }
    }

    /// Polls until `predicate` holds; false on timeout. Real sockets need real time.
    func wait(timeout: Duration = .seconds(5), until predicate: (EventCollector) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(self) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return predicate(self)
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A raw TCP client that writes whatever a test gives it and records whether
/// the server closed the connection and what (if anything) it sent back.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let seen: Seen

    /// What came back, written from the event loop.
    final class Seen: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let closed = Mutex(false)
    }

    private init(channel: any Channel, seen: Seen) {
        self.channel = channel
        self.seen = seen
    }

    static func connect(port: Int) async throws -> RawConnection {
        let seen = Seen()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(seen: seen))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, seen: seen)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Sends `message` with its u16 length prefix, as a peer would.
    func sendMessage(_ message: [UInt8]) async throws {
        try await send([UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message)
    }

    var receivedBytes: [UInt8] { seen.bytes.withLock { $0 } }

    /// Takes the next length-prefixed message the server sent, waiting for it (bounded).
    func nextMessage(timeout: Duration = .seconds(2)) async -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let message: [UInt8]? = seen.bytes.withLock { bytes in
                guard bytes.count >= 2 else { return nil }
                let length = Int(bytes[0]) << 8 | Int(bytes[1])
                guard bytes.count >= 2 + length else { return nil }
                let message = Array(bytes[2..<2 + length])
                bytes.removeFirst(2 + length)
                return message
            }
            if let message { return message }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
    var isClosed: Bool { seen.closed.withLock { $0 } }

    func waitUntilClosed(timeout: Duration) async -> Bool { await eventually(timeout: timeout) { isClosed } }

    func close() async { try? await channel.close() }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let seen: Seen
        init(seen: Seen) { self.seen = seen }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            seen.bytes.withLock { $0 += bytes }
        }

        func channelInactive(context: ChannelHandlerContext) {
            seen.closed.withLock { $0 = true }
        }
    }
}

/// A plain UDP socket for throwing datagrams at a port on loopback.
struct UDPSender {
    private let descriptor: Int32

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
    }

    func send(_ bytes: [UInt8], to port: Int) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    func close() { _ = Glibc.close(descriptor) }
}
