import Foundation
import Logging
import NIOCore
import NIOPosix
import NatterForwarder
import NatterWire

/// The engine's home: one event loop owns it, every TCP connection (control
/// and relay legs) lives on that loop, so the engine, the connection table and
/// the splices need no locks. Datagrams are relayed on their own loop through
/// the lock-protected ``DatagramRelayTable``.
final class ForwarderHost: @unchecked Sendable {
    let loop: any EventLoop
    let table: DatagramRelayTable<SocketAddress>
    let logger: Logger
    private var engine: ForwarderEngine<SystemRandomNumberGenerator>
    private var handlers: [ConnectionID: ForwarderConnectionHandler] = [:]
    private var nextID: UInt64 = 1
    private var queue: [(inout ForwarderEngine<SystemRandomNumberGenerator>) -> [ForwarderAction]] = []
    private var draining = false
    /// Connections written to by the actions being carried out, flushed once
    /// when they are done (and every 8 KiB on the way, see
    /// ``ForwarderConnectionHandler/flushThreshold``): a `writev` per
    /// connection and event, not a `write(2)` per message.
    private var unflushed: [ForwarderConnectionHandler] = []
    /// Bytes copied through spliced relay connections.
    var relayedStreamBytes = 0
    /// Bytes of control messages queued to members this second (``trimHeapIfStormEnded()``).
    var controlBytesThisSecond = 0
    private var heapTrim = HeapTrimPolicy()
    /// Origin of the wall clock: the monotonic clock moves the engine's timeouts.
    private let clock = ContinuousClock()

    init(key: ForwarderKey, settings: ForwarderSettings, loop: any EventLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
        table = DatagramRelayTable(bytesPerSecond: settings.relayBytesPerSecond)
        engine = ForwarderEngine(key: key, settings: settings, random: SystemRandomNumberGenerator(), now: clock.now)
    }

    var now: ForwarderTime {
        ForwarderTime(monotonic: clock.now, unixMilliseconds: UInt64(max(0, Date().timeIntervalSince1970 * 1000)))
    }

    func add(_ handler: ForwarderConnectionHandler) -> ConnectionID {
        loop.preconditionInEventLoop()
        let id = ConnectionID(nextID)
        nextID += 1
        handlers[id] = handler
        return id
    }

    func remove(_ id: ConnectionID) {
        handlers[id] = nil
    }

    // MARK: Backpressure on registrations

    /// Control connections whose outbound queue is over its high watermark.
    /// While there are any, connections that have not registered yet are not
    /// read: each registration sends the whole directory to the newcomer and
    /// one message to everyone, so the forwarder would otherwise queue
    /// without bound for members who read more slowly than it writes.
    private(set) var unwritableControls = 0
    private var waitingNewcomers: [ForwarderConnectionHandler] = []

    func controlWritabilityChanged(writable: Bool) {
        unwritableControls += writable ? -1 : 1
        guard unwritableControls == 0, !waitingNewcomers.isEmpty else { return }
        let waiting = waitingNewcomers
        waitingNewcomers = []
        for handler in waiting { handler.resumeNewcomer() }
    }

    func waitForWritability(_ handler: ForwarderConnectionHandler) {
        waitingNewcomers.append(handler)
    }

    /// Runs an engine event, then carries out its actions. Events raised while
    /// actions run (a close that fires channelInactive at once) wait their turn.
    func submit(_ event: @escaping (inout ForwarderEngine<SystemRandomNumberGenerator>) -> [ForwarderAction]) {
        loop.preconditionInEventLoop()
        queue.append(event)
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !queue.isEmpty {
            let next = queue.removeFirst()
            perform(next(&engine))
        }
        flushAll()
        scheduleDirectoryFlush()
    }

    private var directoryFlushScheduled = false

    /// Called once a second: gives the heap a storm left behind back to the kernel.
    func trimHeapIfStormEnded() {
        loop.preconditionInEventLoop()
        let written = controlBytesThisSecond
        controlBytesThisSecond = 0
        if heapTrim.secondPassed(written: written) { _ = Self.mallocTrim?(0) }
    }

    /// glibc's `malloc_trim` (its header is not in Swift's Glibc module), found at run time.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }  // nil: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// Sends the waiting directory batches when the engine says: at the end
    /// of this loop turn (after every registration read in it), or when its
    /// batch interval has passed.
    private func scheduleDirectoryFlush() {
        guard !directoryFlushScheduled, let due = engine.nextDirectoryFlush(now: clock.now) else { return }
        directoryFlushScheduled = true
        // The host is confined to its loop (hence @unchecked Sendable), and
        // so is this closure: the loop runs it.
        let flush: @Sendable () -> Void = { [self] in
            directoryFlushScheduled = false
            submit { $0.flushDirectoryBatches(now: self.clock.now) }
        }
        let wait = clock.now.duration(to: due)
        if wait > .zero {
            loop.scheduleTask(in: .nanoseconds(wait.wholeNanoseconds)) { flush() }
        } else {
            loop.execute(flush)
        }
    }

    struct Snapshot {
        var registeredPeers = 0
        var activeRelays = 0
        var refused: [RefusalReason: Int] = [:]
        var relayedStreamBytes = 0
        var datagrams = DatagramRelayTable<SocketAddress>.Counters()
    }

    func snapshot() -> Snapshot {
        loop.preconditionInEventLoop()
        return Snapshot(
            registeredPeers: engine.registeredPeers, activeRelays: engine.activeRelays, refused: engine.refused,
            relayedStreamBytes: relayedStreamBytes, datagrams: table.counters)
    }

    private func flushAll() {
        let handlers = unflushed
        unflushed = []
        for handler in handlers { handler.flush() }
    }

    private func perform(_ actions: [ForwarderAction]) {
        for action in actions {
            switch action {
            case .send(let id, let message):
                if let handler = handlers[id], handler.write(message) { unflushed.append(handler) }
            case .close(let id):
                handlers[id]?.close()
            case .splice(let a, let memberA, let b, let memberB):
                guard let left = handlers[a], let right = handlers[b] else { continue }
                left.splice(with: right, member: memberA)
                right.splice(with: left, member: memberB)
            case .addRoute(let index, let route):
                do {
                    table.add(
                        index: index,
                        .init(
                            owner: route.owner, source: try SocketAddress(ipAddress: route.source.host, port: Int(route.source.port)),
                            destination: try SocketAddress(ipAddress: route.destination.host, port: Int(route.destination.port))))
                } catch {
                    logger.notice("relay datagram route \(index) not usable: \(route.source) or \(route.destination) is not an IP address")
                }
            case .removeRoute(let index):
                table.remove(index: index)
            case .log(let level, let message):
                switch level {
                case .debug: logger.debug("\(message)")
                case .info: logger.info("\(message)")
                case .notice: logger.notice("\(message)")
                case .warning: logger.warning("\(message)")
                }
            }
        }
    }
}

/// One TCP connection to the forwarder. Until the engine splices it, it cuts
/// the stream into length-prefixed messages for the engine; after, it copies
/// raw bytes to its partner, reading only while the partner can take them
/// and the member's bandwidth budget allows (so nothing is buffered without bound).
final class ForwarderConnectionHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let host: ForwarderHost
    private var context: ChannelHandlerContext?
    private var id: ConnectionID?
    private var framed = ByteBuffer()
    // Splice state.
    private weak var partner: ForwarderConnectionHandler?
    private var member: [UInt8] = []
    private var spliced = false
    private var partnerWritable = true
    private var pendingRead = false
    private var pausedUntil: NIODeadline?
    private var pendingFlushToPartner = false
    private var unflushed = false
    /// Messages handed to the engine: a connection with fewer than two (hello,
    /// register) is a newcomer, held back while others cannot take more.
    private var delivered = 0
    private var countedUnwritable = false
    /// A control connection that stays unwritable this long is closed: a
    /// member that does not read must not hold back everyone's registrations.
    static let slowReaderLimit: TimeAmount = .seconds(10)
    private var unflushedBytes = 0

    init(host: ForwarderHost) {
        self.host = host
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard id == nil else { return }
        let id = host.add(self)
        self.id = id
        let remote = context.channel.remoteAddress?.ipAddress ?? "?"
        host.submit { $0.connectionOpened(id, remoteAddress: remote, now: self.host.now) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if countedUnwritable {
            countedUnwritable = false
            host.controlWritabilityChanged(writable: true)
        }
        if let id {
            host.remove(id)
            host.submit { $0.connectionClosed(id, now: self.host.now) }
        }
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if spliced {
            forward(&buffer)
            return
        }
        framed.writeBuffer(&buffer)
        while !spliced, let length = framed.getInteger(at: framed.readerIndex, as: UInt16.self),
            framed.readableBytes >= 2 + Int(length)
        {
            framed.moveReaderIndex(forwardBy: 2)
            let message = framed.readBytes(length: Int(length))!
            delivered += 1
            if let id { host.submit { $0.received(id, message: message, now: self.host.now) } }
        }
        if spliced, framed.readableBytes > 0 {
            // Bytes that followed the join in the same read (the member should
            // have waited for `joined`, but TCP may have bunched them up).
            var rest = framed
            framed = ByteBuffer()
            forward(&rest)
        } else {
            framed.discardReadBytes()
        }
    }

    private func forward(_ buffer: inout ByteBuffer) {
        guard let partner, let partnerContext = partner.context else { return }
        let count = buffer.readableBytes
        host.relayedStreamBytes += count
        let pause = host.table.charge(count, member: member, now: .now)
        if pause > .zero { pausedUntil = .now() + .nanoseconds(pause.wholeNanoseconds) }
        partnerContext.write(NIOAny(buffer), promise: nil)
        pendingFlushToPartner = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlushToPartner, let partnerContext = partner?.context {
            pendingFlushToPartner = false
            partnerContext.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: Backpressure

    func read(context: ChannelHandlerContext) {
        guard spliced else {
            if delivered < 2, host.unwritableControls > 0 {
                pendingRead = true
                host.waitForWritability(self)
                return
            }
            context.read()
            return
        }
        if !partnerWritable {
            pendingRead = true
            return
        }
        if let until = pausedUntil, until > .now() {
            pendingRead = true
            context.eventLoop.scheduleTask(deadline: until) { [self] in
                pausedUntil = nil
                resumeReading()
            }
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        if spliced {
            partner?.partnerWritabilityChanged(writable)
        } else if writable == countedUnwritable {
            countedUnwritable = !writable
            host.controlWritabilityChanged(writable: writable)
            if !writable {
                context.eventLoop.scheduleTask(in: Self.slowReaderLimit) { [self] in
                    guard countedUnwritable, let context = self.context else { return }
                    host.logger.info("a control connection read nothing for \(Self.slowReaderLimit.nanoseconds / 1_000_000_000) s; closed")
                    context.close(promise: nil)
                }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Reads again once no control connection is over its watermark.
    func resumeNewcomer() {
        guard !spliced, pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    private func partnerWritabilityChanged(_ writable: Bool) {
        partnerWritable = writable
        if writable { resumeReading() }
    }

    private func resumeReading() {
        guard pendingRead, partnerWritable, let context else { return }
        if let until = pausedUntil, until > .now() { return }
        pendingRead = false
        context.read()
    }

    // MARK: From the engine

    /// Writes a message without flushing it (the host flushes once per
    /// engine event); true when this is the first unflushed write.
    func write(_ message: [UInt8]) -> Bool {
        guard let context else { return false }
        var buffer = context.channel.allocator.buffer(capacity: message.count + 2)
        buffer.writeInteger(UInt16(message.count))
        buffer.writeBytes(message)
        context.write(NIOAny(buffer), promise: nil)
        unflushedBytes += buffer.readableBytes
        host.controlBytesThisSecond += buffer.readableBytes
        // A new member's directory is thousands of messages: hand them to the
        // kernel every 8 KiB rather than queueing all of them in NIO (its
        // peak memory stays with the allocator afterwards).
        if unflushedBytes >= Self.flushThreshold {
            flush()
            return false
        }
        defer { unflushed = true }
        return !unflushed
    }

    static let flushThreshold = 8 * 1024

    func flush() {
        guard unflushed || unflushedBytes > 0 else { return }
        unflushed = false
        unflushedBytes = 0
        context?.flush()
    }

    /// Flushes first: a close fails the writes still queued, and a refusal
    /// or goodbye may follow a message the member should read.
    func close() {
        flush()
        context?.close(promise: nil)
    }

    func splice(with partner: ForwarderConnectionHandler, member: [UInt8]) {
        self.partner = partner
        self.member = member
        spliced = true
        if countedUnwritable {  // a relay leg is not a control connection: stop counting it
            countedUnwritable = false
            host.controlWritabilityChanged(writable: true)
        }
        partnerWritable = partner.context?.channel.isWritable ?? true
    }
}

extension Duration {
    /// Whole nanoseconds, for NIO's `TimeAmount`.
    fileprivate var wholeNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

/// Relays state datagrams: looks each one up, checks its source, and sends
/// the inner datagram on; writes are flushed once per read burst.
final class DatagramRelayHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let table: DatagramRelayTable<SocketAddress>
    private var pendingFlush = false

    init(table: DatagramRelayTable<SocketAddress>) {
        self.table = table
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let index = envelope.data.withUnsafeReadableBytes { RelayDatagram.relayIndex(ofRaw: $0) }
        guard let destination = table.destination(index: index, length: envelope.data.readableBytes, from: envelope.remoteAddress, now: .now)
        else {
            return
        }
        let inner = envelope.data.getSlice(
            at: envelope.data.readerIndex + RelayDatagram.headerLength, length: envelope.data.readableBytes - RelayDatagram.headerLength)!
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: inner)), promise: nil)
        pendingFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A send to a vanished member (ICMP unreachable) must not stop the relay.
    }
}

/// The bound forwarder: TCP and UDP on the same port number on each listen
/// address, the engine's timer, and how to stop it all.
final class ForwarderServer: Sendable {
    let host: ForwarderHost
    let port: Int
    private let channels: [any Channel]
    private let timer: RepeatedTask
    private let tcpGroup: MultiThreadedEventLoopGroup
    private let udpGroup: MultiThreadedEventLoopGroup

    private init(
        host: ForwarderHost, port: Int, channels: [any Channel], timer: RepeatedTask, tcpGroup: MultiThreadedEventLoopGroup,
        udpGroup: MultiThreadedEventLoopGroup
    ) {
        self.host = host
        self.port = port
        self.channels = channels
        self.timer = timer
        self.tcpGroup = tcpGroup
        self.udpGroup = udpGroup
    }

    /// Datagrams read per system call (recvmmsg).
    static let vectorReadCount = 64
    /// The relay socket's receive buffer: about 5,000 state datagrams (the
    /// kernel counts some 800 bytes of overhead each), 50 ms of a relay
    /// running at 100,000 a second, so a moment off the CPU loses nothing.
    /// The kernel caps it at `net.core.rmem_max` (Debian's default is
    /// 208 KiB: Docs/forwarder.md says when to raise it).
    static let datagramReceiveBufferBytes = 4 * 1024 * 1024
    // Each gets a 2 KiB slice of the receive buffer (NIO splits it evenly; a relay datagram
    // is at most WireConstants.maximumDatagramBytes + 6, and anything longer is dropped as malformed).

    /// Binds everything. `port` 0 picks a free TCP port on the first listen
    /// address and uses its number for UDP and for the other addresses.
    static func start(key: ForwarderKey, config: ForwarderConfig, logger: Logger) async throws -> ForwarderServer {
        // Everything TCP on one loop (the engine's); datagrams on another.
        let tcpGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let udpGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = tcpGroup.next()
        let host = ForwarderHost(key: key, settings: config.settings, loop: loop, logger: logger)
        var channels: [any Channel] = []
        do {
            guard !config.listen.isEmpty else { throw ForwarderConfigError.invalid("`listen` must name at least one address") }
            var port = Int(config.port)
            for address in config.listen {
                // An IPv6 address serves IPv6 only, so "0.0.0.0" and "::" can be listed together
                // (and observed addresses are never IPv4-mapped).
                let v6only = ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only)
                let isIPv6 = address.contains(":")
                let tcp = try await ServerBootstrap(group: tcpGroup)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .serverChannelOption(isIPv6 ? v6only : .socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    // One read (at most 64 KiB) per turn: relays share the loop fairly, and a
                    // member over its budget overshoots by one read at most before it pauses.
                    .childChannelOption(.maxMessagesPerRead, value: 1)
                    .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 256 * 1024))
                    .childChannelInitializer { [keepalive = config.settings.keepalive] channel in
                        channel.eventLoop.makeCompletedFuture {
                            // Liveness is the kernel's (Docs/protocol.md §9.3): a vanished
                            // member's connection ends in ETIMEDOUT, with no timer here.
                            for option in keepalive.socketOptions {
                                try channel.syncOptions?.setOption(
                                    ChannelOptions.Types.SocketOption(
                                    level: NIOBSDSocket.OptionLevel(rawValue: option.level), name: NIOBSDSocket.Option(rawValue: option.name)),
                                value: Int(option.value))
                            }
                            try channel.pipeline.syncOperations.addHandler(ForwarderConnectionHandler(host: host))
                        }
                    }
                    .bind(host: address, port: port).get()
                channels.append(tcp)
                if port == 0 {
                    port = tcp.localAddress?.port ?? 0
                    let chosen = UInt16(port)
                    try await loop.submit { host.submit { engine in engine.setRelayUDPPort(chosen); return [] } }.get()
                }
                let table = host.table
                let udp = try await DatagramBootstrap(group: udpGroup)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(isIPv6 ? v6only : .socketOption(.so_reuseaddr), value: 1)
                    .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
                    .channelOption(.socketOption(.so_rcvbuf), value: datagramReceiveBufferBytes)
                    .channelOption(
                        .recvAllocator,
                        value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * 2048))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DatagramRelayHandler(table: table))
                        }
                    }
                    .bind(host: address, port: port).get()
                channels.append(udp)
            }
            let timer = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                host.submit { $0.tick(now: host.now) }
                host.table.pruneBudgets(now: .now)
                host.trimHeapIfStormEnded()
            }
            logger.notice("natter-forwarder listening on port \(port) (TCP and UDP) on \(config.listen.joined(separator: ", "))")
            return ForwarderServer(host: host, port: port, channels: channels, timer: timer, tcpGroup: tcpGroup, udpGroup: udpGroup)
        } catch {
            for channel in channels { try? await channel.close() }
            try? await tcpGroup.shutdownGracefully()
            try? await udpGroup.shutdownGracefully()
            throw error
        }
    }

    /// Closes the listeners and every connection (no goodbyes: members reconnect).
    func stop() async {
        timer.cancel()
        for channel in channels { try? await channel.close() }
        try? await tcpGroup.shutdownGracefully()
        try? await udpGroup.shutdownGracefully()
    }

    func snapshot() async throws -> ForwarderHost.Snapshot {
        let host = self.host
        return try await host.loop.submit { host.snapshot() }.get()
    }
}
