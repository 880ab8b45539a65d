import Foundation
import Glibc
import NatterTesting
import Testing

/// The web page's detector signals (`fetch`) ride the browser's kept
/// HTTP/1.1 connection: the listener must answer them without closing it, so
/// a keystroke's signal costs no new connection (issue 15, goal 1).
extension WebListenerTests {
    /// (`EchoHandler` stands for the signal endpoint: what is tested is the connection.)
    @Test func signalsFromThePageShareOneKeptConnection() async throws {
        try await serving { port, access in
            let http = LoopbackHTTP(port: port)
            let cookie = try await signIn(http, access)
            let descriptor = try http.connect()
            defer { close(descriptor) }
            for index in 1...5 {
                let body = #"{"signal":"keystroke"}"#
                let request = "POST /v1/echo?peer=\(index) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://127.0.0.1:\(port)\r\n"
                    + "Sec-Fetch-Site: same-origin\r\nCookie: \(cookie)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                let bytes = Array(request.utf8)
                let (written, answer) = try await onOwnThread {
                    (write(descriptor, bytes, bytes.count), try Self.readOneAnswer(descriptor))
                }
                #expect(written == bytes.count, "request \(index) sent on the same connection")
                #expect(answer.status == 200, "request \(index)")
                #expect(answer.headers["connection"]?.lowercased() != "close", "request \(index): the listener keeps the connection")
                #expect(answer.body.contains(#""peer":"\#(index)""#) && answer.body.contains("keystroke"), "request \(index) answered itself: \(answer.body)")
            }
        }
    }

    /// Reads exactly one answer (its head, then `Content-Length` bytes) from a kept connection.
    static func readOneAnswer(_ descriptor: Int32) throws -> LoopbackHTTP.Answer {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = try LoopbackHTTP.parse(String(text[..<end.upperBound]))
                let length = Int(head.headers["content-length"] ?? "") ?? 0
                if text[end.upperBound...].utf8.count >= length { return try LoopbackHTTP.parse(text) }
            }
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw LoopbackHTTP.Failure("the listener closed the connection: \(text.debugDescription)") }
            received += buffer[0..<count]
        }
    }
}
