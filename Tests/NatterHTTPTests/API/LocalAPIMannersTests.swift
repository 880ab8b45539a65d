import Foundation
import Logging
@testable import NatterAPI
import NatterCore
@testable import NatterNode
@testable import NatterHTTP
import NatterTesting
import Testing

/// One raw connection to the API socket: bytes in, everything the server
/// writes until it closes (or 15 s pass: generous, so a loaded machine does
/// not end a test, and stop its server, while a connection still waits) out.
struct RawAPIConnection {
    let socket: UnixSocket

    init(_ path: String) throws {
        socket = try UnixSocket.connect(to: path)
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(socket.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws { try socket.writeAll(Array(text.utf8)) }

    /// Reads until the server closes the connection (or the 15 s read timeout),
    /// on a thread of its own (``onOwnThread(_:)``).
    func readUntilClosed() async throws -> (status: Int?, error: String?, closed: Bool) {
        try await onOwnThread { readBlocking() }
    }

    private func readBlocking() -> (status: Int?, error: String?, closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var closed = false
        while true {
            let count = read(socket.descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count == 0 { closed = true }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        socket.close()
        let text = String(decoding: received, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().first.map { Array($0.utf8) } ?? []
        return (status, (try? APIJSON.decode(APIErrorBody.self, from: body))?.error, closed)
    }
}

/// The local API's manners on a real Unix socket, in front of a real daemon's
/// router: every error is `{"error": sentence}`, malformed HTTP included, and
/// a connection that does not finish a request is answered 408 and closed.
@Suite("Local API manners: errors as sentences, idle connections closed", .serialized)
struct LocalAPIMannersTests {
    static let timeout: Duration = .milliseconds(500)

    /// Serves `peer`'s router on a socket with a short request timeout while `body` runs.
    func serving(_ body: (String) async throws -> Void) async throws {
        let alice = try TestPeer(name: "Alice", on: MemoryNetwork(), clock: TestClock())
        let socket = temporaryDirectory(prefix: "natter-manners") + "/natter/api.sock"
        let server = LocalAPIServer(socketPath: socket, handler: alice.api, logger: Logger(label: "test"), requestTimeout: Self.timeout)
        let running = await server.started()
        try await body(socket)
        running.cancel()
        _ = await running.result
        await alice.stop()
    }

    @Test(arguments: [
        ("HELLO\r\n\r\n", 400, "the request is not valid HTTP/1.1: its method is not an HTTP method; see Docs/api.md (the connection is closed)"),
        ("\u{1}\u{2}\u{3}\u{7f} garbage\r\n\r\n", 400, "the request is not valid HTTP/1.1: its method is not an HTTP method; see Docs/api.md (the connection is closed)"),
        ("GET /v1/status HTTP/9.9\r\n\r\n", 400, "the request is not valid HTTP/1.1: it is not HTTP/1.x; see Docs/api.md (the connection is closed)"),
        ("POST /v1/status HTTP/1.1\r\nContent-Length: lots\r\n\r\n", 400,
         "the request is not valid HTTP/1.1: its Content-Length is not a number of bytes that matches the body; see Docs/api.md (the connection is closed)"),
        ("POST /v1/messages HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", 413,
         "the request body is over 131072 bytes (the API's limit); a message's text is at most 16 KiB"),
        ("POST /v1/messages HTTP/1.1\r\nConnection: close\r\n\r\n", 400,
         "the request body is not valid JSON (an empty body, or broken JSON); this endpoint needs a JSON object, see Docs/api.md"),
        ("POST /v1/status HTTP/1.1\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{\"status\":\"gone\"}", 400,
         "`status` must be one of available, away, busy"),
        ("GET /v2/nothing HTTP/1.1\r\nConnection: close\r\n\r\n", 404, "no endpoint GET /v2/nothing; see Docs/api.md"),
    ])
    func malformedRequestsGetASentence(request: String, status: Int, sentence: String) async throws {
        try await serving { socket in
            let connection = try RawAPIConnection(socket)
            try connection.send(request)
            let answer = try await connection.readUntilClosed()
            #expect(answer.status == status)
            #expect(answer.error == sentence)
            #expect(answer.closed, "the server closes the connection")
        }
    }

    @Test func aConnectionThatSendsNothingOrHalfARequestIsAnswered408AndClosed() async throws {
        try await serving { socket in
            for partial in ["", "POST /v1/messa", "POST /v1/messages HTTP/1.1\r\nContent-Length: 40\r\n\r\n{\"peer\": \"Bo"] {
                let started = ContinuousClock.now
                let connection = try RawAPIConnection(socket)
                try connection.send(partial)
                let answer = try await connection.readUntilClosed()
                let waited = ContinuousClock.now - started
                #expect(answer.status == 408 && answer.closed, "\(partial.debugDescription)")
                #expect(answer.error == "no complete request arrived within 0.5 seconds; the connection is closed")
                #expect(waited >= Self.timeout && waited < .seconds(10), "closed after the timeout, not before: \(waited)")
            }
        }
    }

    @Test func aKeptAliveConnectionIsClosedWhenIdleButAnEventStreamIsNever() async throws {
        try await serving { socket in
            // A request answered, then silence: the timer starts again after the answer.
            let idle = try RawAPIConnection(socket)
            try idle.send("GET /v1/status HTTP/1.1\r\n\r\n")
            let answer = try await idle.readUntilClosed()
            #expect(answer.status == 200 && answer.closed)

            // An event stream sends nothing for three timeouts and is still open.
            let stream = try RawAPIConnection(socket)
            var short = timeval(tv_sec: 1, tv_usec: 500_000)
            setsockopt(stream.socket.descriptor, SOL_SOCKET, SO_RCVTIMEO, &short, socklen_t(MemoryLayout<timeval>.size))
            try stream.send("GET /v1/events HTTP/1.1\r\n\r\n")
            let events = try await stream.readUntilClosed()
            #expect(events.status == 200 && !events.closed, "the stream is still open after 1.5 s")
        }
    }
}

/// The router's answers to request bodies of the wrong shape, for each
/// endpoint that takes one: a 400 with one sentence naming the field.
@Suite("Local API: bad bodies, one sentence each")
struct BadBodyTests {
    @Test(arguments: [
        ("/v1/messages", #"{"peer": "Bob"}"#, "`text` is missing; see Docs/api.md"),
        ("/v1/messages", #"{"peer": 7, "text": "hi"}"#, "`peer` must be a string"),
        ("/v1/messages", #"{"peer": null, "text": "hi"}"#, "`peer` must not be null"),
        ("/v1/messages", #"["Bob", "hi"]"#, "the request body must be a JSON object; see Docs/api.md"),
        ("/v1/messages", #"{"peer": "Bob", "text": "hi""#,
         "the request body is not valid JSON (an empty body, or broken JSON); this endpoint needs a JSON object, see Docs/api.md"),
        ("/v1/status", #"{"status": 3}"#, "`status` must be one of available, away, busy"),
        ("/v1/status", #"{}"#, "`status` is missing; see Docs/api.md"),
        ("/v1/privacy", #"{"shareState": "yes"}"#, "`shareState` must be true or false"),
        ("/v1/windows", #"{"peer": ["Bob"]}"#, "`peer` must be a string"),
        ("/v1/windows/1/signals", #"{"signal": "typed"}"#,
         "`signal` must be one of keystroke, inputCleared, messageSent, focused, unfocused, minimized, restored, closed, activity"),
        ("/v1/trust", #"{"peer": true}"#, "`peer` must be a string"),
    ])
    func aBadBodyIsOneSentence(path: String, body: String, sentence: String) async throws {
        let alice = try TestPeer(name: "Alice", on: MemoryNetwork(), clock: TestClock())
        let answer = await alice.api.respond(to: APIRequest(method: "POST", target: path, body: Array(body.utf8)))
        guard case .json(let status, let bytes) = answer else {
            Issue.record("not a JSON answer")
            return
        }
        #expect(status == 400)
        #expect(try APIJSON.decode(APIErrorBody.self, from: bytes).error == sentence)
        await alice.stop()
    }
}
