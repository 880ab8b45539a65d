import Foundation
import Logging
import NatterAPI
import NatterNode
import NatterHTTP
import NatterTesting
import Testing

/// Answers `/echo` with the request it saw and `/events` with three events.
/// The events, as the daemon would publish them.
let threeStates = (1...3).map { index in
    APIEvent.state(StateView(peer: "P\(index)", peerName: "Bob", state: .typing, text: "Bob is typing…"))
}

struct EchoHandler: LocalAPIHandler {
    let closed: ClosedFlag

    func respond(to request: APIRequest) async -> APIResponse {
        switch request.path {
        case "/echo":
            let object: [String: String] = [
                "method": request.method, "peer": request.query["peer"] ?? "", "body": String(decoding: request.body, as: UTF8.self),
            ]
            return .json(status: 200, body: Array(try! JSONEncoder().encode(object)))
        case "/events":
            let (stream, continuation) = AsyncStream<APIEvent>.makeStream()
            for event in threeStates { continuation.yield(event) }
            continuation.finish()
            return .eventStream(stream, onClose: { closed.set() })
        default:
            return .json(status: 404, body: Array(#"{"error":"no such endpoint"}"#.utf8))
        }
    }
}

final class ClosedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

@Suite("Local API server over a Unix socket")
struct LocalAPIServerTests {
    @Test func requestsStreamsAndPermissions() async throws {
        let runtime = NSTemporaryDirectory() + "natter-api-\(UUID().uuidString.prefix(8))"
        let socket = runtime + "/natter/api.sock"
        let closed = ClosedFlag()
        let server = LocalAPIServer(socketPath: socket, handler: EchoHandler(closed: closed), logger: Logger(label: "test"))
        let serving = await server.started()
        defer { serving.cancel() }

        let client = LocalAPIClient(socketPath: socket)
        let reply = try await onOwnThread { try client.request("POST", "/echo?peer=B%C3%B6b+x", body: Array("你好".utf8)) }
        #expect(reply.status == 200)
        let echoed = try JSONDecoder().decode([String: String].self, from: Data(reply.body))
        #expect(echoed == ["method": "POST", "peer": "Böb x", "body": "你好"])

        let missing = try await onOwnThread { try client.request("GET", "/nope") }
        #expect(missing.status == 404)
        #expect(missing.errorMessage == "no such endpoint")

        let events = try await onOwnThread {
            var events: [APIEvent] = []
            try client.streamEvents("/events") { event in
                events.append(event)
                return true
            }
            return events
        }
        #expect(events == threeStates, "each event arrives typed, in order")
        var streamed: [APIEvent] = []
        for try await event in client.events("/events") { streamed.append(event) }
        #expect(streamed == threeStates, "the async stream carries the same events")
        // onClose runs as the server tears the connection down, just after the client saw EOF.
        let deadline = ContinuousClock.now + .seconds(2)
        while !closed.isSet && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(closed.isSet, "the handler learns that the subscriber left")

        // Through FileManager, not stat(): which clang module owns `struct stat`
        // differs between builds, and MemberImportVisibility then refuses it.
        let permissions = { (path: String) in
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(permissions(runtime + "/natter") == 0o700, "other users cannot enter the API directory")
        #expect(permissions(socket) >= 0 && permissions(socket) & 0o077 == 0)

        // A second server for the same socket refuses to steal it.
        let second = LocalAPIServer(socketPath: socket, handler: EchoHandler(closed: closed), logger: Logger(label: "test"))
        await #expect(throws: LocalAPIError.self) { try await second.run() }

        serving.cancel()
        _ = await serving.result
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed on shutdown")
        #expect(throws: LocalAPIClientError.self) { try client.request("GET", "/echo") }
    }
}
