import HTTPTypes
import HummingbirdCore
import Logging
import NatterNode
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// One connection of natter's HTTP servers (the Unix socket and the web
/// listener): Hummingbird's HTTP/1.1 channel, plus natter's manners between
/// NIO's codec and Hummingbird's (`APIConnectionHandler`: JSON errors for
/// malformed HTTP, the 408 request timer, closing after `Connection: close`),
/// an event stream's end when its client leaves (`EventStreamHangUp`), and
/// memory given back after a burst of connections (`ConnectionBurst`).
struct APIChildChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let requestTimeout: Duration
    let connections: OpenConnections

    /// The server builder Hummingbird's `Application` takes.
    static func server(requestTimeout: Duration, connections: OpenConnections) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            APIChildChannel(responder: responder, requestTimeout: requestTimeout, connections: connections)
        }
    }

    /// The logger to give Hummingbird: only its critical lines, and its
    /// per-request metadata kept unformatted (`QuietLogHandler`).
    static func quiet(_ logger: Logger) -> Logger {
        Logger(label: logger.label) { _ in QuietLogHandler(wrapping: logger.handler) }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // As Hummingbird's HTTP1Channel, with our manners before its codec.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
            try pipeline.addHandler(APIConnectionHandler(requestTimeout: requestTimeout))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(EventStreamHangUp())
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        connections.opened()
        defer { connections.closed() }
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// A server's ``ConnectionBurst``, shared by its connections' tasks: when a
/// burst ends, the memory its connections used goes back to the system.
final class OpenConnections: Sendable {
    private let state = Mutex(ConnectionBurst(threshold: HTTPConstants.apiBurstConnections))

    func opened() {
        state.withLock { $0.opened() }
    }

    func closed() {
        guard state.withLock({ $0.closed() }) else { return }
        // A moment later: the connections' channels are freed on their event loops after this.
        _ = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .seconds(1)) { MemoryTrim.giveBackFreeMemory() }
    }
}
