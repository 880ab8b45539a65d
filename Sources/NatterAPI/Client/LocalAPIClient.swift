import Foundation

/// The client side of the local API (Docs/api.md), for the CLI, `natter chat`
/// and `natter-bench`: one request per connection, or one long-lived event
/// stream. Typed calls are in `LocalAPIClient+Endpoints.swift`.
public struct LocalAPIClient: Sendable {
    public let socketPath: String

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

    /// Sends one request and waits for the whole answer.
    public func request(_ method: String, _ target: String, body: [UInt8] = []) throws(LocalAPIClientError) -> Reply {
        let socket = try UnixSocket.connect(to: socketPath)
        defer { socket.close() }
        var head = "\(method) \(target) HTTP/1.1\r\nhost: natter\r\nconnection: close\r\n"
        head += "content-type: application/json\r\ncontent-length: \(body.count)\r\n\r\n"
        try socket.writeAll(Array(head.utf8) + body)
        var reader = HTTPResponseReader()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !reader.isComplete {
            let bytes = socket.read(into: &buffer)
            if bytes.isEmpty {
                reader.finish()
                break
            }
            do {
                received += try reader.feed(bytes)
            } catch {
                throw .daemonError("the daemon's answer was not valid HTTP (\(error))")
            }
        }
        guard let status = reader.status, reader.isComplete else {
            throw .daemonError("the daemon closed the connection without a complete answer")
        }
        return Reply(status: status, body: received)
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
        try socket.writeAll(Array("GET \(target) HTTP/1.1\r\nhost: natter\r\naccept: text/event-stream\r\n\r\n".utf8))
        var reader = HTTPResponseReader()
        var parser = ServerSentEventParser()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var refusal: [UInt8] = []
        while true {
            let bytes = socket.read(into: &buffer)
            guard !bytes.isEmpty else { break }
            let body: [UInt8]
            do {
                body = try reader.feed(bytes)
            } catch {
                throw .daemonError("the daemon's event stream was not valid HTTP (\(error))")
            }
            if let status = reader.status, status != 200 {
                refusal += body
                guard reader.isComplete else { continue }
                let message = Reply(status: status, body: refusal).errorMessage ?? "status \(status)"
                throw .daemonError("the daemon refused the event stream: \(message)")
            }
            for event in parser.feed(body) {
                guard let decoded = try? APIJSON.decode(APIEvent.self, from: Array(event.data.utf8)) else { continue }
                if !onEvent(decoded) { return }
            }
        }
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
