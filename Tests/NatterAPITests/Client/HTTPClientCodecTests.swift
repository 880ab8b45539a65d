@testable import NatterAPI
import NIOHTTP1
import Testing

@Suite("HTTP client codec: NIO's parser for replies and event streams, fed as bytes arrive")
struct HTTPClientCodecTests {
    /// Sends a GET through `codec`, then feeds `response` in pieces of `size` bytes.
    static func read(_ response: String, inPiecesOf size: Int, codec: HTTPClientCodec = HTTPClientCodec()) throws
        -> (String, HTTPClientCodec.Response)
    {
        _ = try codec.encode(method: "GET", target: "/v1/status", headers: [], body: [])
        var parsed = HTTPClientCodec.Response()
        var body: [UInt8] = []
        let bytes = Array(response.utf8)
        var offset = 0
        while offset < bytes.count {
            body += try codec.feed(bytes[offset..<min(offset + size, bytes.count)], into: &parsed)
            offset += size
        }
        return (String(decoding: body, as: UTF8.self), parsed)
    }

    @Test func aRequestIsHTTP11WithItsLengthAndHost() throws {
        let bytes = try HTTPClientCodec().encode(method: "POST", target: "/v1/messages", headers: [("content-type", "application/json")], body: Array("{}".utf8))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("POST /v1/messages HTTP/1.1\r\n"))
        #expect(text.contains("host: natter\r\n") && text.contains("content-length: 2\r\n") && text.hasSuffix("\r\n\r\n{}"))
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func contentLengthBodiesCompleteWhereverTheBytesSplit(_ size: Int) throws {
        let (body, response) = try Self.read("HTTP/1.1 202 Accepted\r\ncontent-length: 10\r\n\r\n{\"a\":\"é\"}", inPiecesOf: size)
        #expect(body == "{\"a\":\"é\"}")
        #expect(response.status == 202 && response.isComplete && response.keepAlive)
    }

    @Test(arguments: [1, 2, 5, 1000])
    func chunkedBodiesAreUnchunkedWhereverTheBytesSplit(_ size: Int) throws {
        let answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nnatt\r\n2\r\ner\r\n0\r\n\r\n"
        let (body, response) = try Self.read(answer, inPiecesOf: size)
        #expect(body == "natter")
        #expect(response.isComplete)
    }

    @Test func aBodyWithoutFramingEndsWithTheConnection() throws {
        let codec = HTTPClientCodec()
        var (body, response) = try Self.read("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nevent: x\n", inPiecesOf: 4, codec: codec)
        #expect(body == "event: x\n" && !response.isComplete && !response.keepAlive)
        codec.finish(into: &response)
        #expect(response.isComplete)
    }

    @Test func twoAnswersOnOneConnectionAreTwo() throws {
        let codec = HTTPClientCodec()
        let (first, one) = try Self.read("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", inPiecesOf: 3, codec: codec)
        let (second, two) = try Self.read("HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\n\r\n[42]", inPiecesOf: 3, codec: codec)
        #expect(first == "{}" && one.isComplete && second == "[42]" && two.status == 404 && two.isComplete)
    }

    @Test func malformedAnswersAreErrors() {
        #expect(throws: HTTPParserError.self) { try Self.read("SSH-2.0-x\r\n\r\n", inPiecesOf: 100) }
        #expect(throws: HTTPParserError.self) {
            try Self.read("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", inPiecesOf: 100)
        }
    }
}

@Suite("Server-sent events")
struct ServerSentEventParserTests {
    @Test func eventsAreSplitAtBlankLinesWhereverTheBytesSplit() {
        let stream = ": subscribed\n\nevent: state\ndata: {\"a\":1}\n\nevent: peer\ndata: line one\ndata: line two\n\n"
        for size in [1, 3, stream.utf8.count] {
            var parser = ServerSentEventParser()
            var events: [ServerSentEventParser.Event] = []
            let bytes = Array(stream.utf8)
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += parser.feed(bytes[start..<min(start + size, bytes.count)])
            }
            #expect(events == [.init(name: "state", data: "{\"a\":1}"), .init(name: "peer", data: "line one\nline two")])
        }
    }

    @Test func aReadOfAThousandEventsGivesThemAllInOrderAndKeepsTheUnfinishedOne() {
        var parser = ServerSentEventParser()
        let stream = (0..<1000).map { "event: delivery\ndata: {\"n\":\($0)}\n\n" }.joined() + "event: state\ndata: {\"n\":"
        let events = parser.feed(Array(stream.utf8))
        #expect(events.count == 1000)
        #expect(events.enumerated().allSatisfy { $1 == .init(name: "delivery", data: "{\"n\":\($0)}") })
        #expect(parser.feed(Array("1000}\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [.init(name: "state", data: "{\"n\":1000}")])
    }
}
