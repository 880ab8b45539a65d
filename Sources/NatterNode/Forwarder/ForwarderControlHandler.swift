import Glibc
import Logging
import NIOCore
import NatterWire

/// The thin NIO side of a control connection: feeds the forwarder's messages
/// to ``ForwarderSession`` and hands what comes out to its
/// ``ForwarderClient``. An idle connection is the kernel's to watch
/// (``ControlConnectionKeepalive``); only for an older forwarder that asks
/// for them (``ForwarderSession/forwarderWantsKeepalives``) does it keep
/// sending keepalives, from an `IdleStateHandler` added then.
final class ForwarderControlHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ForwarderMessage
    typealias OutboundOut = ByteBuffer

    private var session: ForwarderSession
    private let client: ForwarderClient
    private let logger: Logger

    init(session: ForwarderSession, client: ForwarderClient, logger: Logger) {
        self.session = session
        self.client = client
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(session.hello, allocator: context.channel.allocator)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let wasEstablished = session.isEstablished
        defer { if !wasEstablished, session.isEstablished { client.admitted() } }
        do {
            for output in try session.receive(buffer.readBytes(length: buffer.readableBytes) ?? []) {
                switch output {
                case .send(let bytes):
                    context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(bytes, allocator: context.channel.allocator)), promise: nil)
                case .message(let message):
                    client.received(message)
                    if message == .keepalive { keepSendingKeepalives(context: context) }
                case .clockHint(let time):
                    client.clockHintReceived(time)
                    context.close(promise: nil)
                }
            }
        } catch {
            // A welcome that fails is a forwarder of another team (or an
            // impostor); anything later is damage in transit.
            logger.warning("dropped the connection to forwarder \(client.endpoint): \(error)")
            context.close(promise: nil)
        }
    }

    /// Adds the write-idle timer once, the first time an older forwarder asks for keepalives.
    private func keepSendingKeepalives(context: ChannelHandlerContext) {
        guard !sendsKeepalives else { return }
        sendsKeepalives = true
        logger.info("forwarder \(client.endpoint) is an older one that wants keepalives; sending one every 4 s")
        let idle = IdleStateHandler(writeTimeout: TimeAmount(ForwarderSession.legacyKeepaliveInterval))
        try? context.pipeline.syncOperations.addHandler(idle, position: .before(self))
    }

    private var sendsKeepalives = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        let sealed: [UInt8]?
        if case .register(let entry) = message { sealed = session.reregister(entry) } else { sealed = session.seal(message) }
        guard let sealed else {
            promise?.succeed(())  // not yet admitted: a registration waits for the welcome, the rest is moot
            return
        }
        context.write(wrapOutboundOut(.lengthPrefixed(sealed, allocator: context.channel.allocator)), promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch idle {
        case .write where session.isEstablished:
            write(context: context, data: NIOAny(ForwarderMessage.keepalive), promise: nil)
            context.flush()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.connectionClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, error.errnoCode == ETIMEDOUT {
            logger.notice("forwarder \(client.endpoint) stopped answering (its machine is gone); reconnecting")
        }
        logger.debug("forwarder connection error", metadata: ["forwarder": "\(client.endpoint)", "error": "\(error)"])
        context.close(promise: nil)
    }
}
