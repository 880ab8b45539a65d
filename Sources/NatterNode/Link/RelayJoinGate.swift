import Logging
import NIOCore
import NatterWire

/// What a member needs to join a relay: the invitation's token, and where
/// the link's datagrams go through the forwarder.
public struct RelayJoin: Sendable, Equatable {
    public let token: [UInt8]
    public let route: RelayRoute

    public init(token: [UInt8], route: RelayRoute) {
        self.token = token
        self.route = route
    }
}

/// The first handler of a relayed link, between the length-prefix decoder
/// and the ``LinkHandler``: presents the token when the connection to the
/// forwarder is up, and holds the link back (by holding `channelActive`)
/// until the forwarder answers `joined` — only then are both members there,
/// and the initiator's first handshake message may go. Then it steps aside.
final class RelayJoinGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// How long to wait for the other member to join.
    static let joinTimeout: TimeAmount = .seconds(10)

    private let token: [UInt8]
    private let logger: Logger
    private var timeout: Scheduled<Void>?

    init(token: [UInt8], logger: Logger) {
        self.token = token
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel, logger = logger
        timeout = context.eventLoop.scheduleTask(in: Self.joinTimeout) {
            logger.notice("the relay was not joined in time; closing it")
            channel.close(promise: nil)
        }
        let join = ForwarderEnvelope.join(token: token)
        context.writeAndFlush(NIOAny(ByteBuffer.lengthPrefixed(join, allocator: context.channel.allocator)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard buffer.readBytes(length: buffer.readableBytes) == ForwarderEnvelope.joined else {
            logger.notice("the forwarder answered a relay join with something else; closing it")
            context.close(promise: nil)
            return
        }
        timeout?.cancel()
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        context.fireChannelInactive()
    }
}
