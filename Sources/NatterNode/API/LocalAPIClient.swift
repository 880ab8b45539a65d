import Foundation

/// A small blocking client for the local API, for the CLI and `natter chat`:
/// one request per connection, or one long-lived event stream.
///
/// Blocking is deliberate: a CLI command does one thing and exits, and the
/// chat window reads its stream on a thread of its own.
public struct LocalAPIClient: Sendable {
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// A decoded answer: the HTTP status and the JSON body.
    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]

        /// The server's `error` sentence when the status is not 2xx.
        public var errorMessage: String? {
            guard !(200..<300).contains(status) else { return nil }
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            return object?["error"] as? String ?? "the daemon answered with status \(status)"
        }
    }

    /// True when something accepts connections on `socketPath`.
    public static func isListening(socketPath: String) -> Bool {
        guard let socket = try? connect(to: socketPath) else { return false }
        close(socket)
        return true
    }

    /// Sends one request and waits for the whole answer.
    public func request(_ method: String, _ target: String, json body: [UInt8] = []) throws(LocalAPIClientError) -> Reply {
        let socket = try Self.connect(to: socketPath)
        defer { close(socket) }
        var head = "\(method) \(target) HTTP/1.1\r\nhost: natter\r\nconnection: close\r\n"
        head += "content-type: application/json\r\ncontent-length: \(body.count)\r\n\r\n"
        try Self.writeAll(Array(head.utf8) + body, to: socket)
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(socket, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            response += buffer[0..<count]
        }
        return try Self.parse(response)
    }

    /// A JSON call: sends `body` encoded, and decodes a 2xx answer as `Reply`;
    /// any other answer throws the daemon's own error sentence.
    public func json<Reply: Decodable>(
        _ method: String, _ target: String, body: (any Encodable)? = nil, as type: Reply.Type = Reply.self
    ) throws(LocalAPIClientError) -> Reply {
        let encoded: [UInt8]
        do {
            encoded = try body.map { Array(try JSONEncoder().encode($0)) } ?? []
        } catch {
            throw .daemonError("could not encode the request: \(error)")
        }
        let reply = try request(method, target, json: encoded)
        if let message = reply.errorMessage { throw .daemonError(message) }
        do {
            return try JSONDecoder().decode(type, from: Data(reply.body))
        } catch {
            throw .daemonError("the daemon's answer could not be read (\(error)); is it the same natter version?")
        }
    }

    /// Opens the event stream at `target` and calls `onEvent(name, data)` for each
    /// server-sent event until the daemon closes it or `onEvent` returns false.
    public func streamEvents(_ target: String, onEvent: (String, String) -> Bool) throws(LocalAPIClientError) {
        let socket = try Self.connect(to: socketPath)
        defer { close(socket) }
        try Self.writeAll(Array("GET \(target) HTTP/1.1\r\nhost: natter\r\naccept: text/event-stream\r\n\r\n".utf8), to: socket)
        var decoder = EventStreamDecoder()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(socket, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            for event in decoder.feed(buffer[0..<count]) {
                if !onEvent(event.name, event.data) { return }
            }
            if let status = decoder.failedStatus {
                throw .daemonError("the daemon refused the event stream (status \(status))")
            }
        }
    }

    // MARK: Plumbing

    static func connect(to path: String) throws(LocalAPIClientError) -> Int32 {
        let socket = Foundation.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw .notRunning(socketPath: path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(socket)
            throw .daemonError("the API socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw .notRunning(socketPath: path)
        }
        return socket
    }

    private static func writeAll(_ bytes: [UInt8], to socket: Int32) throws(LocalAPIClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .daemonError("the connection to the daemon broke while sending") }
            offset += written
        }
    }

    /// Parses a complete `connection: close` response (content-length or
    /// chunked framing — SwiftNIO may use either).
    static func parse(_ response: [UInt8]) throws(LocalAPIClientError) -> Reply {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = response.firstRange(of: separator) else {
            throw .daemonError("the daemon closed the connection without answering")
        }
        let head = String(decoding: response[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw .daemonError("the daemon's answer was not HTTP")
        }
        var body = Array(response[headEnd.upperBound...])
        let chunked = lines.dropFirst().contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked { body = dechunk(body) }
        return Reply(status: status, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var rest = bytes[...]
        while let lineEnd = rest.firstRange(of: Array("\r\n".utf8)),
            let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? "", radix: 16),
            size > 0
        {
            let start = lineEnd.upperBound
            let end = min(rest.endIndex, start + size)
            output += rest[start..<end]
            rest = rest[min(rest.endIndex, end + 2)...]
        }
        return output
    }
}

/// For calls whose answer carries nothing the caller needs.
public struct EmptyReply: Decodable, Sendable {}

/// Why a CLI command could not talk to the daemon.
public enum LocalAPIClientError: Error, CustomStringConvertible {
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
