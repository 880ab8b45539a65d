import NIOCore

/// Splits the TCP stream into messages, each prefixed by its length as a
/// big-endian u16 (Noise messages are at most 65535 bytes, so the prefix can
/// never announce more than that). Bytes may arrive split anywhere.
struct LengthPrefixDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            buffer.readableBytes >= 2 + Int(length)
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

extension ByteBuffer {
    /// A message with its u16 length prefix.
    static func lengthPrefixed(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: bytes.count + 2)
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
        return buffer
    }
}
