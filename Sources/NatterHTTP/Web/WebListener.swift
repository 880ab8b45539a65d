import Foundation
import Hummingbird
public import Logging
import NIOCore
public import NatterNode

/// Serves the web UI — its files and the daemon's API under `/v1/` — on
/// loopback only: `127.0.0.1` and `::1`, never another address. Who may use
/// it is ``WebGate``'s decision (``WebAccessMiddleware``).
///
/// The port is chosen per user (``preferredPort(configured:uid:)``), so each
/// user of a shared computer has their own; when that port is taken (by
/// another user's natter, or anything else) the listener takes a free one
/// instead of failing. Nobody needs to know which: `natter open` asks the
/// daemon for a link, and the link names the port.
public struct WebListener: Sendable {
    let preferredPort: Int
    let access: WebAccess
    let api: any LocalAPIHandler
    let root: WebRoot?
    let logger: Logger
    private let connections = OpenConnections()

    /// - Parameters:
    ///   - preferredPort: from ``preferredPort(configured:uid:)``; 0 takes any free port.
    ///   - api: the daemon's API, as on the Unix socket but without `POST /v1/web/link`.
    ///   - root: the UI's files (``WebRoot/locate(environment:executablePath:sourceFile:hasIndex:)``).
    public init(preferredPort: Int, access: WebAccess, api: any LocalAPIHandler, root: WebRoot?, logger: Logger) {
        self.preferredPort = preferredPort
        self.access = access
        self.api = api
        self.root = root
        self.logger = logger
    }

    /// The port to try first: `[web] port` when set; unset, one of the
    /// user's own (``HTTPConstants/webPortBase`` + uid); nil when the web UI
    /// is off (`port = 0`).
    public static func preferredPort(configured: UInt16?, uid: UInt32) -> Int? {
        switch configured {
        case 0: nil
        case let port?: Int(port)
        case nil: HTTPConstants.webPortBase + Int(uid % HTTPConstants.webPortSpread)
        }
    }

    /// The web root the running `natter` serves (``WebRoot/locate(environment:executablePath:sourceFile:hasIndex:)``).
    public static func installedRoot() -> WebRoot? {
        WebRoot.locate(environment: ProcessInfo.processInfo.environment, executablePath: WebRoot.runningExecutable)
    }

    /// Binds (IPv4 first: its port is the listener's; then IPv6 on the same
    /// port, if this computer has `::1`) and serves until cancelled or shut
    /// down gracefully.
    public func run() async throws {
        let responder = makeRouter().buildResponder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (bound, reportBound) = AsyncStream<Int>.makeStream()
            group.addTask {
                defer { reportBound.finish() }
                try await serveIPv4(responder) { reportBound.yield($0) }
            }
            guard let port = await bound.first(where: { _ in true }) else {
                try await group.waitForAll()  // binding failed: its error
                return
            }
            access.listening(on: port)
            logger.info("web UI listening", metadata: ["url": "http://127.0.0.1:\(port)", "root": "\(root?.path ?? "none")"])
            group.addTask { await serveIPv6(responder, port: port) }
            try await group.waitForAll()
        }
    }

    private func serveIPv4(_ responder: some HTTPResponder<NatterRequestContext>, bound: @escaping @Sendable (Int) -> Void) async throws {
        do {
            try await application(responder, host: "127.0.0.1", port: preferredPort, bound: bound).runCancellingGracefully(logger: logger)
        } catch where preferredPort != 0 && Self.isAddressInUse(error) {
            logger.notice("web UI port taken, using a free one (natter open finds it)", metadata: ["port": "\(preferredPort)"])
            try await application(responder, host: "127.0.0.1", port: 0, bound: bound).runCancellingGracefully(logger: logger)
        }
    }

    /// `[::1]:PORT` is a convenience (`localhost` may resolve to it): without
    /// it the UI works at 127.0.0.1, where `natter open`'s links point.
    private func serveIPv6(_ responder: some HTTPResponder<NatterRequestContext>, port: Int) async {
        do {
            try await application(responder, host: "::1", port: port, bound: { _ in }).runCancellingGracefully(logger: logger)
        } catch {
            logger.info("web UI not on [::1] (IPv6 loopback unavailable or the port taken there)", metadata: ["error": "\(error)"])
        }
    }

    private func application(
        _ responder: some HTTPResponder<NatterRequestContext>, host: String, port: Int, bound: @escaping @Sendable (Int) -> Void
    ) -> some ApplicationProtocol {
        TimerlessApplication(
            responder: responder,
            server: APIChildChannel.server(requestTimeout: HTTPConstants.apiRequestTimeout, connections: connections),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), reuseAddress: true),
            onServerRunning: { channel in bound(channel.localAddress?.port ?? port) },
            logger: APIChildChannel.quiet(logger))
    }

    private func makeRouter() -> Router<NatterRequestContext> {
        let router = Router(context: NatterRequestContext.self)
        router.add(middleware: WebAccessMiddleware(access: access))
        let forwarder = APIForwarder(handler: api)
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("/v1/**", method: method, use: forwarder.respond)
        }
        let files = WebFileResponder(root: root)
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/", method: method, use: files.respond)
            router.on("/**", method: method, use: files.respond)
        }
        return router
    }

    static func isAddressInUse(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == EADDRINUSE
    }
}
