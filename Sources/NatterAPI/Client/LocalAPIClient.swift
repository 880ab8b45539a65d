import Foundation
import Synchronization

/// The client side of the local API (Docs/api.md), for the CLI, `natter chat`
/// and `natter-bench`: requests over one persistent keep-alive connection
/// (the chat window sends every keystroke's signal), and event streams, each
/// on a connection of its own. HTTP is SwiftNIO's codec (`HTTPClientCodec`)
/// over a blocking Unix socket. Typed calls are in `LocalAPIClient+Endpoints.swift`.
public struct LocalAPIClient: Sendable {
    public let socketPath: String
    /// Shared by copies of this client: the one connection its requests use.
    let connection = KeptConnection()

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// A raw answer: the HTTP status and the body.
    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]

        /// The server's `error` sentence when the status is not 2xx.
        public var errorMessage: String? {
            guard !(200..<300).contains(status) else { return nil }
            let error = try? APIJSON.decode(APIErrorBody.self, from: body)
            return error?.error ?? "the daemon answered with status \(status)"
        }
    }

    /// True when something accepts connections on `socketPath`.
    public static func isListening(socketPath: String) -> Bool {
        guard let socket = try? UnixSocket.connect(to: socketPath) else { return false }
        socket.close()
        return true
    }

    /// Sends one request and waits for the whole answer, on the kept
    /// connection (opened, or opened again, as needed). A request the daemon
    /// did not take — the kept connection had been closed under it, or was
    /// answered `408` for its idleness — is sent once more on a new one.
    public func request(_ method: String, _ target: String, body: [UInt8] = []) throws(LocalAPIClientError) -> Reply {
        try connection.use(socketPath) { (open: inout OpenConnection, reused: Bool) throws(LocalAPIClientError) -> Reply? in
            // A codec per exchange, not per connection: its EmbeddedChannel
            // belongs to the thread that made it, and a kept connection is
            // used from whichever thread an async caller runs on (NIO prints
            // "API misuse" otherwise). A complete answer leaves it no state.
            let codec = HTTPClientCodec()
            let bytes: [UInt8]
            do {
                bytes = try codec.encode(
                    method: method, target: target, headers: [("content-type", "application/json")], body: body)
            } catch {
                throw .daemonError("could not encode the request: \(error)")
            }
            guard open.socket.writeAllIfOpen(bytes) else {
                if reused { return nil }
                throw .daemonError("the connection to the daemon broke while sending")
            }
            var response = HTTPClientCodec.Response()
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while !response.isComplete {
                let chunk = open.socket.read(into: &buffer)
                if chunk.isEmpty {
                    received += codec.finish(into: &response)
                    break
                }
                do {
                    received += try codec.feed(chunk, into: &response)
                } catch {
                    throw .daemonError("the daemon's answer was not valid HTTP (\(error))")
                }
            }
            open.keepAlive = response.keepAlive && response.isComplete
            guard let status = response.status, response.isComplete else {
                if reused && response.status == nil { return nil }
                throw .daemonError("the daemon closed the connection without a complete answer")
            }
            // The daemon closed an idle kept connection just as this request went out.
            if reused && status == 408 { return nil }
            return Reply(status: status, body: received)
        }
    }

    /// A JSON call: sends `body` encoded and decodes a 2xx answer as `Value`;
    /// any other answer throws the daemon's own error sentence.
    public func json<Value: Decodable>(
        _ method: String, _ target: String, body: (any Encodable)? = nil, as type: Value.Type = Value.self
    ) throws(LocalAPIClientError) -> Value {
        let encoded: [UInt8]
        do {
            encoded = try body.map { try APIJSON.encode($0) } ?? []
        } catch {
            throw .daemonError("could not encode the request: \(error)")
        }
        let reply = try request(method, target, body: encoded)
        if let message = reply.errorMessage { throw .daemonError(message) }
        do {
            return try APIJSON.decode(type, from: reply.body)
        } catch {
            throw .daemonError("the daemon's answer could not be read (\(error)); is it the same natter version?")
        }
    }

    /// Follows the event stream at `target`, calling `onEvent` for each event
    /// until the daemon ends the stream or `onEvent` returns false. Blocks the
    /// calling thread. Events of a kind this client does not know (a newer
    /// daemon) are skipped.
    public func streamEvents(_ target: String = "/v1/events", onEvent: (APIEvent) -> Bool) throws(LocalAPIClientError) {
        let socket = try UnixSocket.connect(to: socketPath)
        defer { socket.close() }
        try follow(target, on: socket, onEvent: onEvent)
    }

    /// The event stream as an async sequence; cancelling the consuming task
    /// (or dropping the stream) closes the connection.
    public func events(_ target: String = "/v1/events") -> AsyncThrowingStream<APIEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<APIEvent, any Error>.makeStream()
        let socket: UnixSocket
        do {
            socket = try UnixSocket.connect(to: socketPath)
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        continuation.onTermination = { _ in socket.shutDown() }
        let client = self
        Thread {
            defer { socket.close() }
            do {
                try client.follow(target, on: socket) { event in
                    if case .terminated = continuation.yield(event) { return false }
                    return true
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }.start()
        return stream
    }

    private func follow(_ target: String, on socket: UnixSocket, onEvent: (APIEvent) -> Bool) throws(LocalAPIClientError) {
        let codec = HTTPClientCodec()
        do {
            try socket.writeAll(try codec.encode(method: "GET", target: target, headers: [("accept", "text/event-stream")], body: []))
        } catch let error as LocalAPIClientError {
            throw error
        } catch {
            throw .daemonError("could not encode the request: \(error)")
        }
        var response = HTTPClientCodec.Response()
        var parser = ServerSentEventParser()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var refusal: [UInt8] = []
        while !response.isComplete {
            let chunk = socket.read(into: &buffer)
            let body: [UInt8]
            do {
                body = chunk.isEmpty ? codec.finish(into: &response) : try codec.feed(chunk, into: &response)
            } catch {
                throw .daemonError("the daemon's event stream was not valid HTTP (\(error))")
            }
            if let status = response.status, status != 200 {
                refusal += body
                guard response.isComplete || chunk.isEmpty else { continue }
                let message = Reply(status: status, body: refusal).errorMessage ?? "status \(status)"
                throw .daemonError("the daemon refused the event stream: \(message)")
            }
            for event in parser.feed(body) {
                guard let decoded = try? APIJSON.decode(APIEvent.self, from: Array(event.data.utf8)) else { continue }
                if !onEvent(decoded) { return }
            }
            if chunk.isEmpty { return }
        }
    }
}

/// One open connection to the daemon.
struct OpenConnection {
    let socket: UnixSocket
    /// Whether it may carry another request.
    var keepAlive = true
}

/// The connection a client's requests share, one request at a time.
final class KeptConnection: Sendable {
    private let open = Mutex<OpenConnection?>(nil)

    /// Runs `exchange` on the kept connection, opening one when there is none
    /// or the kept one is no longer usable; `exchange` answers nil when the
    /// daemon did not take the request on a reused connection, and it is
    /// tried once more on a new one.
    func use<Value>(
        _ socketPath: String, _ exchange: (inout OpenConnection, _ reused: Bool) throws(LocalAPIClientError) -> Value?
    ) throws(LocalAPIClientError) -> Value {
        try open.withLock { (kept: inout OpenConnection?) throws(LocalAPIClientError) -> Value in
            for attempt in 0..<2 {
                var connection: OpenConnection
                var reused = false
                if let current = kept, attempt == 0, current.keepAlive, current.socket.isIdleAndOpen {
                    connection = current
                    reused = true
                } else {
                    kept?.socket.close()
                    kept = nil
                    connection = OpenConnection(socket: try UnixSocket.connect(to: socketPath))
                }
                let value: Value?
                do throws(LocalAPIClientError) {
                    value = try exchange(&connection, reused)
                } catch {
                    connection.socket.close()
                    kept = nil
                    throw error
                }
                guard let value else {
                    connection.socket.close()
                    kept = nil
                    continue
                }
                if connection.keepAlive {
                    kept = connection
                } else {
                    connection.socket.close()
                    kept = nil
                }
                return value
            }
            throw .daemonError("the daemon closed the connection without a complete answer")
        }
    }

    /// The kept connection's socket, for tests.
    var descriptor: Int32? { open.withLock { $0?.socket.descriptor } }

    deinit {
        open.withLock { $0?.socket.close() }
    }
}

/// The JSON body of every error answer: `{"error": "one clear sentence"}`.
public struct APIErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public init(error: String) { self.error = error }
}

extension APIErrorBody {
    /// The encoded body of an error answer (what servers send).
    public static func encoded(_ message: String) -> [UInt8] {
        (try? APIJSON.encode(APIErrorBody(error: message))) ?? Array(#"{"error":"internal error"}"#.utf8)
    }
}

/// Why a command could not talk to the daemon.
public enum LocalAPIClientError: Error, CustomStringConvertible, Equatable {
    case notRunning(socketPath: String)
    case daemonError(String)

    public var description: String {
        switch self {
        case .notRunning(let path):
            "the natter daemon is not running (no answer on \(path)); start it with: natter up"
        case .daemonError(let message):
            message
        }
    }
}
