import Foundation
import Logging
@testable import NatterAPI
import NatterHTTP
import NatterTesting
import Testing

/// The CLI's client keeps one connection for repeated requests (a chat
/// window's keystroke signals), and replaces it without a word when the
/// daemon has closed it for idleness.
@Suite("LocalAPIClient: one kept connection", .serialized)
struct KeptConnectionTests {
    @Test func repeatedRequestsShareOneConnectionWhichIsReplacedAfterTheDaemonClosesIt() async throws {
        let socket = NSTemporaryDirectory() + "natter-kept-\(UUID().uuidString.prefix(8))/natter/api.sock"
        // Long enough that the requests below, one after the other, never
        // leave the connection idle that long, even on a loaded machine.
        let timeout: Duration = .seconds(2)
        let server = LocalAPIServer(
            socketPath: socket, handler: EchoHandler(closed: ClosedFlag()), logger: Logger(label: "test"), requestTimeout: timeout)
        let serving = await server.started()
        defer { serving.cancel() }

        let client = LocalAPIClient(socketPath: socket)
        #expect(try await onOwnThread { try client.request("POST", "/echo", body: Array("1".utf8)) }.status == 200)
        let first = try #require(socketCookie(client.connection.descriptor))
        for index in 2...5 {
            let reply = try await onOwnThread { try client.request("POST", "/echo?peer=\(index)", body: Array("\(index)".utf8)) }
            #expect(reply.status == 200 && String(decoding: reply.body, as: UTF8.self).contains(#""body":"\#(index)""#))
            #expect(socketCookie(client.connection.descriptor) == first, "request \(index) went on the same connection")
        }
        let copy = client
        #expect(try await onOwnThread { try copy.request("GET", "/echo") }.status == 200)
        #expect(socketCookie(copy.connection.descriptor) == first, "copies of a client share its connection")

        // The daemon answers the idle connection 408 and closes it; the next request does not see that.
        let descriptor = try #require(client.connection.descriptor)
        #expect(try await onOwnThread { hangsUp(descriptor, within: timeout * 5) }, "the daemon closed the idle connection")
        let after = try await onOwnThread { try client.request("POST", "/echo", body: Array("again".utf8)) }
        #expect(after.status == 200 && String(decoding: after.body, as: UTF8.self).contains(#""body":"again""#))
        #expect(socketCookie(client.connection.descriptor) != first, "a new connection replaced the closed one")
    }
}
