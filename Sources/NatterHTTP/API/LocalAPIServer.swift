import Foundation
import Hummingbird
public import Logging
import NatterAPI
public import NatterNode
import NIOCore

/// Serves the local API — HTTP/1.1 with JSON bodies and server-sent events —
/// on a Unix socket that only this user can reach, with Hummingbird (the
/// same stack, router and connection manners as the web listener).
///
/// Access control is the file system's: the socket lives in a directory that
/// is created 0700 and must be owned by this user, and the socket itself is
/// 0600. A second daemon for the same user finds the socket alive and stops
/// with a clear error instead of stealing it.
public struct LocalAPIServer: Sendable {

    public let socketPath: String
    private let handler: any LocalAPIHandler
    private let logger: Logger
    private let requestTimeout: Duration

    /// - Parameter requestTimeout: how long a connection may take to deliver a
    ///   complete request (after opening, or after its previous answer) before
    ///   it is answered `408` and closed; nil is the daemon's 10 s
    ///   (`HTTPConstants.apiRequestTimeout`), tests shorten it.
    public init(socketPath: String, handler: any LocalAPIHandler, logger: Logger, requestTimeout: Duration? = nil) {
        self.socketPath = socketPath
        self.handler = handler
        self.logger = logger
        self.requestTimeout = requestTimeout ?? HTTPConstants.apiRequestTimeout
    }

    /// Binds the socket (after `ready` is called the API is reachable) and
    /// serves until the task is cancelled; then removes the socket.
    public func run(ready: @escaping @Sendable () -> Void = {}) async throws {
        try Self.prepareDirectory(for: socketPath)
        try Self.removeStaleSocket(at: socketPath)
        // Every path goes to the daemon's API, which answers unknown ones itself.
        let router = Router(context: NatterRequestContext.self)
        let forwarder = APIForwarder(handler: handler)
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .head] {
            router.on("/", method: method, use: forwarder.respond)
            router.on("/**", method: method, use: forwarder.respond)
        }
        let application = TimerlessApplication(
            responder: router.buildResponder(),
            server: APIChildChannel.server(requestTimeout: requestTimeout, connections: OpenConnections()),
            configuration: ApplicationConfiguration(
                address: .unixDomainSocket(path: socketPath), backlog: Int(HTTPConstants.apiListenBacklog)),
            onServerRunning: { [socketPath, logger] _ in
                chmod(socketPath, 0o600)
                logger.info("local API listening", metadata: ["socket": "\(socketPath)"])
                ready()
            },
            logger: APIChildChannel.quiet(logger))
        defer { unlink(socketPath) }
        try await application.runCancellingGracefully(logger: logger)
    }

    // MARK: The socket's directory

    /// Creates the directory 0700 if needed and refuses one that others could enter.
    static func prepareDirectory(for socketPath: String) throws(LocalAPIError) {
        let directory = (socketPath as NSString).deletingLastPathComponent
        let parent = (directory as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .cannotCreateDirectory(directory, reason: String(cString: strerror(errno)))
        }
        // Not following a symbolic link (lstat(2)).
        let info = (try? FileManager.default.attributesOfItem(atPath: directory)) ?? [:]
        guard info[.type] as? FileAttributeType == .typeDirectory else {
            throw .unsafeDirectory(directory, reason: "it is not a directory")
        }
        guard (info[.ownerAccountID] as? NSNumber)?.uint32Value == getuid() else {
            throw .unsafeDirectory(directory, reason: "it belongs to another user")
        }
        if ((info[.posixPermissions] as? NSNumber)?.intValue ?? 0o777) & 0o077 != 0 {
            chmod(directory, 0o700)
        }
    }

    /// Removes a socket file left by a crashed daemon; refuses if a daemon answers on it.
    static func removeStaleSocket(at path: String) throws(LocalAPIError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        if LocalAPIClient.isListening(socketPath: path) {
            throw .alreadyRunning(socketPath: path)
        }
        unlink(path)
    }
}

/// Why the local API could not start.
public enum LocalAPIError: Error, CustomStringConvertible {
    case cannotCreateDirectory(String, reason: String)
    case unsafeDirectory(String, reason: String)
    case alreadyRunning(socketPath: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            "cannot create the API directory \(path): \(reason); check XDG_RUNTIME_DIR"
        case .unsafeDirectory(let path, let reason):
            "refusing to use \(path) for the API socket because \(reason); remove it or set XDG_RUNTIME_DIR to a private directory"
        case .alreadyRunning(let path):
            "natter is already running for this user (its API answers on \(path)); stop it first or use another --runtime-dir"
        }
    }
}

