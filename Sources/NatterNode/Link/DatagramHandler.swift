import NIOCore

/// Hands every UDP datagram and its source address to the service, which
/// checks the source's budget and authenticates it.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let service: PeerLinkService

    init(service: PeerLinkService) {
        self.service = service
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        service.datagramReceived(
            envelope.data.readBytes(length: envelope.data.readableBytes) ?? [], from: envelope.remoteAddress.normalisedHost ?? "?")
    }
}
