import NIOCore

/// Hands every UDP datagram to the service, which authenticates it.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let service: PeerLinkService

    init(service: PeerLinkService) {
        self.service = service
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        service.datagramReceived(envelope.data.readBytes(length: envelope.data.readableBytes) ?? [])
    }
}
