import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client went away while it was being sent an
/// event stream. Such an answer never ends, and nobody reads the connection
/// while it is written, so without this a client that left would be noticed
/// only at the next event's write; with it, the stream (and the window the
/// front end had open, Docs/api.md) ends at once.
///
/// Hummingbird's server lets a client half-close (`allowRemoteHalfClosure`),
/// so the end of the client's input is the `inputClosed` event.
final class EventStreamHangUp: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var streaming = false
    private var inputClosed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent {
            inputClosed = true
            if streaming { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            streaming = head.headerFields[.contentType]?.hasPrefix("text/event-stream") ?? false
            context.write(data, promise: promise)
            if streaming && inputClosed { context.close(promise: nil) }
        case .end:
            streaming = false
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        }
    }
}
