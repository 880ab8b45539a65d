import NIOCore
import NIOEmbedded
import NIOHTTP1

/// SwiftNIO's HTTP/1.1 client codec (`HTTPRequestEncoder`,
/// `HTTPResponseDecoder`), driven synchronously for one connection: requests
/// in, the bytes to send out; received bytes in, response parts out.
///
/// The CLI's client is blocking by design (a command does one thing and
/// exits; start-up must stay in milliseconds), so NIO's parser runs in an
/// `EmbeddedChannel` — no event loop thread — instead of a socket channel.
/// It handles every framing (`Content-Length`, chunked, until close) and
/// refuses what is not HTTP.
struct HTTPClientCodec {
    /// What the codec made of the bytes received so far.
    struct Response {
        var status: Int?
        /// Whether the server will keep the connection open after this answer.
        var keepAlive = true
        var isComplete = false
    }

    private let channel = EmbeddedChannel()

    init() {
        // Neither can fail on a new embedded channel.
        try? channel.pipeline.syncOperations.addHTTPClientHandlers()
        _ = channel.connect(to: try! SocketAddress(unixDomainSocketPath: "/natter-api"))
    }

    /// The bytes of one request.
    func encode(method: String, target: String, headers: [(String, String)], body: [UInt8]) throws -> [UInt8] {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target)
        head.headers.add(name: "host", value: "natter")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if !body.isEmpty || method != "GET" { head.headers.add(name: "content-length", value: String(body.count)) }
        try channel.writeOutbound(HTTPClientRequestPart.head(head))
        if !body.isEmpty { try channel.writeOutbound(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    /// Feeds received bytes into `response`; returns the body bytes they completed.
    /// Throws NIO's `HTTPParserError` for bytes that are not an HTTP response.
    @discardableResult
    func feed(_ bytes: some Collection<UInt8>, into response: inout Response) throws -> [UInt8] {
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        return try collect(into: &response)
    }

    /// The connection closed: a body framed by the close is now complete.
    @discardableResult
    func finish(into response: inout Response) -> [UInt8] {
        channel.pipeline.fireChannelInactive()
        return (try? collect(into: &response)) ?? []
    }

    private func collect(into response: inout Response) throws -> [UInt8] {
        var body: [UInt8] = []
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let head):
                response.status = Int(head.status.code)
                response.keepAlive = head.isKeepAlive
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                response.isComplete = true
            }
        }
        return body
    }
}
