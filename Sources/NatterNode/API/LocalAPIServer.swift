import Foundation
public import Logging
import NatterAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Serves the local API — HTTP/1.1 with JSON bodies and server-sent events —
/// on a Unix socket that only this user can reach.
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
    private let connections = OpenConnections()

    /// - Parameter requestTimeout: how long a connection may take to deliver a
    ///   complete request (after opening, or after its previous answer) before
    ///   it is answered `408` and closed; nil is the daemon's 10 s
    ///   (`NodeConstants.apiRequestTimeout`), tests shorten it.
    public init(socketPath: String, handler: any LocalAPIHandler, logger: Logger, requestTimeout: Duration? = nil) {
        self.socketPath = socketPath
        self.handler = handler
        self.logger = logger
        self.requestTimeout = requestTimeout ?? NodeConstants.apiRequestTimeout
    }

    /// Binds the socket (after `ready` is called with nothing thrown the API is
    /// reachable) and serves until the task is cancelled; then removes the socket.
    public func run(ready: @Sendable () -> Void = {}) async throws {
        try Self.prepareDirectory(for: socketPath)
        try Self.removeStaleSocket(at: socketPath)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: NodeConstants.apiListenBacklog)
            .bind(unixDomainSocketPath: socketPath) { [requestTimeout] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Our own manners instead of NIO's bare 400 (APIConnectionHandler).
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: false)
                    try pipeline.addHandler(
                        APIConnectionHandler(requestTimeout: requestTimeout),
                        position: .before(try pipeline.handler(type: HTTPServerPipelineHandler.self)))
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        chmod(socketPath, 0o600)
        logger.info("local API listening", metadata: ["socket": "\(socketPath)"])
        ready()
        defer { unlink(socketPath) }
        // The accept loop must not see this task's cancellation: a cancelled
        // iteration drops connections already accepted but not yet handed
        // out, and NIO treats an unserved connection as a programming error
        // (a crash in debug builds). So stopping closes the listener instead;
        // the loop then serves or closes what was accepted, ends, and
        // cancels the connections still open (event streams).
        let accepting = Task {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                    group.cancelAll()
                }
            }
        }
        do {
            try await withTaskCancellationHandler {
                try await accepting.value
            } onCancel: {
                server.channel.close(promise: nil)
            }
        } catch {
            // Stopping is the normal way to end; anything else is real.
            guard Task.isCancelled else { throw error }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        connections.state.withLock { $0.opened() }
        defer {
            if connections.state.withLock({ $0.closed() }) {
                // A moment later: the connections' channels are freed on their event loops after this.
                _ = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .seconds(1)) { MemoryTrim.giveBackFreeMemory() }
            }
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                while let (request, keepAlive) = try await Self.readRequest(from: &iterator) {
                    guard let request else {
                        let sentence = APIErrorText.bodyTooLarge(limit: NodeConstants.maximumAPIBodyBytes)
                        try await Self.write(status: 413, body: APIErrorBody.encoded(sentence), closing: true, to: outbound)
                        return
                    }
                    switch await handler.respond(to: request) {
                    case .json(let status, let body):
                        try await Self.write(status: status, body: body, closing: !keepAlive, to: outbound)
                        if !keepAlive { return }
                    case .eventStream(let events, let onClose):
                        defer { onClose() }
                        try await Self.stream(events, to: outbound, until: &iterator, closing: connection.channel)
                        return
                    }
                }
            }
        } catch {
            logger.debug("local API connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Reads one request and whether the client wants the connection kept open.
    /// Returns nil at end of input; the request is nil for an oversized body,
    /// as soon as its `Content-Length` says so (not after reading it).
    private static func readRequest(
        from iterator: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    ) async throws -> (APIRequest?, Bool)? {
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        var oversized = false
        while let part = try await iterator.next() {
            switch part {
            case .head(let requestHead):
                head = requestHead
                if let declared = requestHead.headers.first(name: "content-length").flatMap(Int.init),
                    declared > NodeConstants.maximumAPIBodyBytes
                {
                    return (nil, false)
                }
            case .body(var buffer):
                if body.count + buffer.readableBytes > NodeConstants.maximumAPIBodyBytes {
                    oversized = true
                } else {
                    body += buffer.readBytes(length: buffer.readableBytes) ?? []
                }
            case .end:
                guard let head else { return nil }
                if oversized { return (nil, false) }
                return (APIRequest(method: head.method.rawValue, target: head.uri, body: body), head.isKeepAlive)
            }
        }
        return nil
    }

    private static func write(
        status: Int, body: [UInt8], closing: Bool, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json; charset=utf-8")
        headers.add(name: "content-length", value: String(body.count))
        if closing { headers.add(name: "connection", value: "close") }
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
        try await outbound.write(.end(nil))
    }

    /// Streams events until the stream ends or the client hangs up (its half of
    /// the connection ends), whichever comes first.
    private static func stream(
        _ events: AsyncStream<APIEvent>,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        until inbound: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator,
        closing channel: any Channel
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "cache-control", value: "no-cache")
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
        // An initial comment flushes the head so the client knows it is subscribed.
        try await outbound.write(.body(.byteBuffer(ByteBuffer(string: ": subscribed\n\n"))))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events {
                    do {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: Self.serverSentEvent(event)))))
                    } catch {
                        return
                    }
                }
                // The daemon ended the stream: finish the response and hang up,
                // which also ends the wait for the client below.
                try? await outbound.write(.end(nil))
                try? await channel.close()
            }
            // Anything the client sends now is ignored; the end of its input means it left.
            while (try? await inbound.next()) != nil {}
            group.cancelAll()
        }
    }

    /// One event as a server-sent event named after its kind, its data the
    /// event's JSON on one line (JSON never contains a raw newline).
    static func serverSentEvent(_ event: APIEvent) -> [UInt8] {
        let data = (try? APIJSON.encode(event)) ?? []
        return Array("event: \(event.kind.rawValue)\ndata: ".utf8) + data + Array("\n\n".utf8)
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
        var info = stat()
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .unsafeDirectory(directory, reason: "it is not a directory")
        }
        guard info.st_uid == getuid() else {
            throw .unsafeDirectory(directory, reason: "it belongs to another user")
        }
        if info.st_mode & 0o077 != 0 {
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

/// The server's ``ConnectionBurst``, shared by its connections' tasks.
private final class OpenConnections: Sendable {
    let state = Mutex(ConnectionBurst(threshold: NodeConstants.apiBurstConnections))
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

