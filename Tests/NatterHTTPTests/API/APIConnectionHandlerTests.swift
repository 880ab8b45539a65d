import NatterAPI
@testable import NatterNode
@testable import NatterHTTP
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// The connection's manners on an embedded channel: time is the test's
/// (`advanceTime`), nothing sleeps.
@Suite("APIConnectionHandler: the request timer and malformed HTTP")
struct APIConnectionHandlerTests {
    let loop = EmbeddedEventLoop()
    let channel: EmbeddedChannel

    init() throws {
        channel = EmbeddedChannel(handler: APIConnectionHandler(requestTimeout: .seconds(10)), loop: loop)
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/natter-embedded")).wait()
    }

    var request: HTTPRequestHead { HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/events") }

    /// The status and sentence of the answer written, if any.
    func answer() throws -> (status: UInt, sentence: String)? {
        guard case .head(let head)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        guard case .body(.byteBuffer(let buffer))? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        guard case .end? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
        #expect(head.headers["connection"] == ["close"])
        return (head.status.code, try APIJSON.decode(APIErrorBody.self, from: Array(buffer.readableBytesView)).error)
    }

    @Test func silenceIsAnswered408AndClosedAtTheTimeoutNotBefore() throws {
        loop.advanceTime(by: .milliseconds(9_999))
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil && channel.isActive)
        loop.advanceTime(by: .milliseconds(1))
        let answer = try answer()
        #expect(answer?.status == 408 && answer?.sentence == "no complete request arrived within 10 seconds; the connection is closed")
        #expect(!channel.isActive)
    }

    @Test func halfARequestIsTimedLikeSilence() throws {
        try channel.writeInbound(HTTPServerRequestPart.head(request))
        loop.advanceTime(by: .seconds(10))
        #expect(try answer()?.status == 408)
        #expect(!channel.isActive)
    }

    @Test func nothingIsTimedWhileTheDaemonAnswersAnEndlessStream() throws {
        try channel.writeInbound(HTTPServerRequestPart.head(request))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        _ = try channel.readOutbound(as: HTTPServerResponsePart.self)
        loop.advanceTime(by: .seconds(3600))
        #expect(channel.isActive, "an event stream is never cut")
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)

        // Once the answer ends, the next request must come within the timeout.
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPServerResponsePart.self)
        loop.advanceTime(by: .seconds(10))
        #expect(try answer()?.status == 408)
        #expect(!channel.isActive)
    }

    @Test func aParserErrorIsAnsweredWithASentence() throws {
        channel.pipeline.fireErrorCaught(HTTPParserError.invalidMethod)
        let answer = try answer()
        #expect(answer?.status == 400)
        #expect(answer?.sentence == "the request is not valid HTTP/1.1: its method is not an HTTP method; see Docs/api.md (the connection is closed)")
        // Answered here, so not passed on: Hummingbird would write a second, bare 400.
        #expect(throws: Never.self) { try channel.throwIfErrorCaught() }
    }

    @Test func anAnswerThatSaysConnectionCloseIsTheLast() throws {
        try channel.writeInbound(HTTPServerRequestPart.head(request))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        var headers = HTTPHeaders()
        headers.add(name: "connection", value: "close")
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .payloadTooLarge, headers: headers)))
        #expect(channel.isActive, "not before its end")
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        loop.run()
        #expect(!channel.isActive)
    }
}
