import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Hummingbird's `Application` without its once-a-second date task: the
/// same server, responder and headers, with the `Date` header formatted on
/// demand (``HTTPDateHeader``). An idle daemon then has no HTTP timer at all.
///
/// Only `run()` differs from Hummingbird's (`ApplicationProtocol.run()` in
/// Hummingbird 2.28): it builds the server the same way and runs it in a
/// `ServiceGroup` of its own, so a graceful shutdown reaches it as before.
struct TimerlessApplication<Responder: HTTPResponder>: ApplicationProtocol
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let responder: Responder
    let server: HTTPServerBuilder
    let configuration: ApplicationConfiguration
    let logger: Logger
    private let whenRunning: @Sendable (any Channel) async -> Void

    init(
        responder: Responder, server: HTTPServerBuilder, configuration: ApplicationConfiguration,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void, logger: Logger
    ) {
        self.responder = responder
        self.server = server
        self.configuration = configuration
        self.whenRunning = onServerRunning
        self.logger = logger
    }

    func onServerRunning(_ channel: any Channel) async {
        await whenRunning(channel)
    }

    func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let serverName = configuration.serverName
        let date = SharedDateHeader()
        let server = try self.server.buildServer(
            configuration: ServerConfiguration(
                address: configuration.address, serverName: serverName, backlog: configuration.backlog,
                reuseAddress: configuration.reuseAddress, availableConnectionsDelegate: configuration.availableConnectionsDelegate),
            eventLoopGroup: eventLoopGroup,
            logger: logger
        ) { (request, responseWriter: consuming ResponseWriter, channel) in
            let context = Responder.Context(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                logger.debug("Unrecognised Error", metadata: ["error.type": "\(error)"])
                response = Response(status: .internalServerError, body: .init())
            }
            let now = Int64(Date().timeIntervalSince1970)
            response.headers[.date] = date.value(atUnixSeconds: now)
            if let serverName { response.headers[.server] = serverName }
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                // Thrown on, the parser error would make a second response
                // (a 400); any other error just ends the connection.
                throw ParseErrorWhileWritingResponse()
            }
        } onServerRunning: {
            await self.onServerRunning($0)
        }
        try await ServiceGroup(configuration: .init(services: [server], logger: logger)).run()
    }
}

/// Hummingbird's own error for this is package-internal; any error but
/// `HTTPParserError` ends the connection without another response.
private struct ParseErrorWhileWritingResponse: Error {}

/// ``HTTPDateHeader`` shared by a server's connections.
private final class SharedDateHeader: Sendable {
    private let header = Mutex(HTTPDateHeader())

    func value(atUnixSeconds unixSeconds: Int64) -> String {
        header.withLock { $0.value(atUnixSeconds: unixSeconds) }
    }
}
