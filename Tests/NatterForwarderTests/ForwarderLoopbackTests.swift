import Foundation
import Logging
import NIOCore
import NIOPosix
import NatterForwarder
import NatterWire
import Testing

@testable import natter_forwarder

/// Collects what arrives on a test connection, as length-prefixed messages or raw.
final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncStream<[UInt8]>.Continuation
    init(_ continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(Array(unwrapInboundIn(data).readableBytesView))
    }
    func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
}

struct Framer: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self), buffer.readableBytes >= 2 + Int(length) else {
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(NIOAny(buffer.readSlice(length: Int(length))!))
        return .continue
    }
}

/// A TCP connection to the forwarder from a test, 127.0.0.1 only.
final class TestConnection {
    let channel: any Channel
    var messages: AsyncStream<[UInt8]>.AsyncIterator

    init(port: Int, framed: Bool = true) async throws {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        messages = stream.makeAsyncIterator()
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if framed { try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(Framer())) }
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    func send(_ message: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: message.count + 2)
        buffer.writeInteger(UInt16(message.count))
        buffer.writeBytes(message)
        try await channel.writeAndFlush(buffer)
    }

    func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    func next() async throws -> [UInt8] {
        guard let message = await messages.next() else { throw ChannelError.eof }
        return message
    }
}

/// A member made from the NatterWire handshake types.
final class LoopbackMember {
    let control: TestConnection
    var channel: ForwarderChannel
    let keyed: [UInt8]

    init(port: Int, key: ForwarderKey, keyed: UInt8) async throws {
        control = try await TestConnection(port: port)
        let handshake = ForwarderClientHandshake(key: key, nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
        try await control.send(handshake.hello)
        channel = try handshake.complete(welcome: try await control.next())
        self.keyed = Array(repeating: keyed, count: 16)
    }

    func send(_ message: ForwarderMessage) async throws { try await control.send(channel.seal(message)) }

    /// The next message that is not a keepalive.
    func next() async throws -> ForwarderMessage {
        while true {
            let message = try channel.open(try await control.next())
            if message != .keepalive { return message }
        }
    }
}

/// A UDP socket on 127.0.0.1 for a member's state datagrams.
final class TestDatagramSocket {
    let channel: any Channel
    var datagrams: AsyncStream<[UInt8]>.AsyncIterator

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let continuation: AsyncStream<[UInt8]>.Continuation
        init(_ continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(Array(unwrapInboundIn(data).data.readableBytesView))
        }
    }

    init() async throws {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        datagrams = stream.makeAsyncIterator()
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(continuation)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var port: UInt16 { UInt16(channel.localAddress!.port!) }

    func send(_ bytes: [UInt8], to port: Int) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)))
    }
}

@Suite("Forwarder over loopback", .timeLimit(.minutes(1)))
struct ForwarderLoopbackTests {
    @Test func twoMembersRegisterSeeEachOtherAndRelayBytesAndADatagram() async throws {
        let team = TeamKey()
        let key = team.subkeys.forwarder
        var config = ForwarderConfig(environment: [:])
        config.port = 0
        config.listen = ["127.0.0.1"]
        config.mdns = false
        config.metricsPort = 0
        var logger = Logger(label: "natter-forwarder-test")
        logger.logLevel = .critical
        let server = try await ForwarderServer.start(key: key, config: config, logger: logger)
        let port = server.port

        // A stranger gets nothing: the forwarder closes without a byte.
        let stranger = try await TestConnection(port: port)
        try await stranger.send(ForwarderClientHandshake(key: TeamKey().subkeys.forwarder, nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000)).hello)
        await #expect(throws: (any Error).self) { try await stranger.next() }

        let udpA = try await TestDatagramSocket(), udpB = try await TestDatagramSocket()
        let a = try await LoopbackMember(port: port, key: key, keyed: 1)
        let entryA = DirectoryEntry(keyedFingerprint: a.keyed, addresses: ["127.0.0.1"], tcpPort: 1, udpPort: udpA.port, sealedRecord: [1])
        try await a.send(.register(entryA))
        #expect(try await a.next() == .registered(observedAddress: "127.0.0.1", relayUDPPort: UInt16(port)))
        #expect(try await a.next() == .directoryComplete)

        let b = try await LoopbackMember(port: port, key: key, keyed: 2)
        let entryB = DirectoryEntry(keyedFingerprint: b.keyed, addresses: [], tcpPort: 2, udpPort: udpB.port, sealedRecord: [2])
        try await b.send(.register(entryB))
        #expect(try await b.next() == .registered(observedAddress: "127.0.0.1", relayUDPPort: UInt16(port)))
        #expect(try await b.next() == .peer(entryA))
        #expect(try await b.next() == .directoryComplete)
        var seenB = entryB
        seenB.addresses = ["127.0.0.1"]
        #expect(try await a.next() == .peer(seenB))

        // A relay: invitations, joins, `joined`, then raw bytes both ways.
        try await a.send(.relayRequest(id: 5, target: b.keyed))
        guard case .relayInvitation(let forA) = try await a.next(), case .relayInvitation(let forB) = try await b.next() else {
            Issue.record("no invitations")
            return
        }
        #expect(forA.requestID == 5 && forA.initiator && !forB.initiator)
        let legA = try await TestConnection(port: port), legB = try await TestConnection(port: port)
        try await legA.send(ForwarderEnvelope.join(token: forA.token))
        try await legB.send(ForwarderEnvelope.join(token: forB.token))
        #expect(try await legA.next() == ForwarderEnvelope.joined)
        #expect(try await legB.next() == ForwarderEnvelope.joined)
        // The test's framer reads the relayed stream too, so the test frames what it sends.
        let big = (0..<60_000).map { UInt8(truncatingIfNeeded: $0) }
        try await legA.send(big)
        #expect(try await legB.next() == big)
        try await legB.send(Array("pong".utf8))
        #expect(try await legA.next() == Array("pong".utf8))

        // A state datagram through the forwarder, and one from the wrong socket.
        let inner: [UInt8] = [1, 5] + Array(repeating: 0xAB, count: 40)
        try await udpB.send(RelayDatagram.wrap([9, 9], relayIndex: forA.datagramIndex), to: port)  // b does not own a's index
        try await udpA.send(RelayDatagram.wrap(inner, relayIndex: forA.datagramIndex), to: port)
        #expect(await udpB.datagrams.next() == inner)
        try await udpB.send(RelayDatagram.wrap(Array(inner.reversed()), relayIndex: forB.datagramIndex), to: port)
        #expect(await udpA.datagrams.next() == Array(inner.reversed()))

        let snapshot = try await server.snapshot()
        #expect(snapshot.registeredPeers == 2 && snapshot.activeRelays == 1)
        #expect(snapshot.datagrams.relayedDatagrams == 2)
        #expect(snapshot.datagrams.drops[.wrongSource] == 1)
        #expect(snapshot.relayedStreamBytes == big.count + 2 + 6)
        #expect(snapshot.refused[.stranger] == 1)

        // Metrics over HTTP on 127.0.0.1.
        let metricsChannel = try await MetricsServer.start(port: 0, host: server.host, metrics: ForwarderMetrics())
        let scrape = try await TestConnection(port: metricsChannel.localAddress!.port!, framed: false)
        try await scrape.sendRaw(Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
        var response: [UInt8] = []
        while let chunk = await scrape.messages.next() { response += chunk }
        let text = String(decoding: response, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK"))
        #expect(text.contains("natter_forwarder_registered_peers 2"))
        #expect(text.contains("natter_forwarder_relayed_datagrams_total 2"))
        #expect(text.contains("natter_forwarder_datagram_drops_total{reason=\"wrong_source\"} 1"))
        try await metricsChannel.close()

        // b leaves: a hears at once, and the relay goes with it.
        try await b.send(.goodbye)
        #expect(try await a.next() == .peerGone(keyedFingerprint: b.keyed))
        await #expect(throws: (any Error).self) { try await legA.next() }
        await server.stop()
    }
}

@Suite("Forwarder relay bandwidth over loopback", .timeLimit(.minutes(1)))
struct ForwarderBandwidthTests {
    /// Two registered members and a spliced relay between them; b's leg unframed, to count raw bytes.
    static func relay(port: Int, key: ForwarderKey) async throws -> (TestConnection, TestConnection, [LoopbackMember]) {
        var members: [LoopbackMember] = []
        for byte in [UInt8(1), 2] {
            let member = try await LoopbackMember(port: port, key: key, keyed: byte)
            try await member.send(.register(DirectoryEntry(keyedFingerprint: member.keyed, addresses: [], tcpPort: 1, udpPort: 1, sealedRecord: [])))
            while try await member.next() != .directoryComplete {}
            members.append(member)
        }
        try await members[0].send(.relayRequest(id: 1, target: members[1].keyed))
        var tokens: [[UInt8]] = []
        for member in members {
            while true {
                if case .relayInvitation(let invitation) = try await member.next() {
                    tokens.append(invitation.token)
                    break
                }
            }
        }
        let legA = try await TestConnection(port: port), legB = try await TestConnection(port: port, framed: false)
        try await legA.send(ForwarderEnvelope.join(token: tokens[0]))
        try await legB.send(ForwarderEnvelope.join(token: tokens[1]))
        #expect(try await legA.next() == ForwarderEnvelope.joined)
        return (legA, legB, members)
    }

    @Test func aMemberOverItsBandwidthIsSlowedNotCutOff() async throws {
        let key = TeamKey().subkeys.forwarder
        var config = ForwarderConfig(environment: [:])
        config.port = 0
        config.listen = ["127.0.0.1"]
        config.relayBytesPerSecond = 200_000
        var logger = Logger(label: "natter-forwarder-test")
        logger.logLevel = .critical
        let server = try await ForwarderServer.start(key: key, config: config, logger: logger)
        let (legA, legB, members) = try await Self.relay(port: server.port, key: key)
        let joined = ForwarderEnvelope.joined
        let prefixed = [UInt8(0), UInt8(joined.count)] + joined
        let payload = Array(repeating: UInt8(0x5A), count: 600_000)
        let start = ContinuousClock.now
        let channel = legA.channel
        let sending = Task {
            for chunk in stride(from: 0, to: payload.count, by: 60_000) {
                try await channel.writeAndFlush(channel.allocator.buffer(bytes: payload[chunk..<chunk + 60_000]))
            }
        }
        var received: [UInt8] = []
        while received.count < prefixed.count + payload.count, let chunk = await legB.messages.next() { received += chunk }
        let elapsed = ContinuousClock.now - start
        try await sending.value
        #expect(received == prefixed + payload, "every byte arrives, in order")
        // 200 kB at once (the bucket's burst), then 200 kB/s: about 2 s for the other 400 kB, less
        // the last read (up to 64 KiB), which is paid for after it was forwarded.
        #expect(elapsed > .milliseconds(1_200), "took \(elapsed)")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
        _ = members
        await server.stop()
    }
}
