@testable import NatterAPI
import Testing

@Suite("HTTP response reader: one parser for replies and event streams")
struct HTTPResponseReaderTests {
    /// Feeds `response` in pieces of `size` bytes; returns the body and the reader.
    static func read(_ response: String, inPiecesOf size: Int) throws -> (String, HTTPResponseReader) {
        var reader = HTTPResponseReader()
        var body: [UInt8] = []
        let bytes = Array(response.utf8)
        var offset = 0
        while offset < bytes.count {
            body += try reader.feed(bytes[offset..<min(offset + size, bytes.count)])
            offset += size
        }
        return (String(decoding: body, as: UTF8.self), reader)
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func contentLengthBodiesCompleteWhereverTheBytesSplit(_ size: Int) throws {
        let (body, reader) = try Self.read("HTTP/1.1 202 Accepted\r\ncontent-length: 10\r\n\r\n{\"a\":\"é\"}", inPiecesOf: size)
        #expect(body == "{\"a\":\"é\"}")
        #expect(reader.status == 202 && reader.isComplete)
    }

    @Test(arguments: [1, 2, 5, 1000])
    func chunkedBodiesAreUnchunkedWhereverTheBytesSplit(_ size: Int) throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nnatt\r\n2\r\ner\r\n0\r\n\r\n"
        let (body, reader) = try Self.read(response, inPiecesOf: size)
        #expect(body == "natter")
        #expect(reader.isComplete)
    }

    @Test func aBodyWithoutFramingEndsWithTheConnection() throws {
        var (body, reader) = try Self.read("HTTP/1.1 200 OK\r\n\r\nevent: x\n", inPiecesOf: 4)
        #expect(body == "event: x\n" && !reader.isComplete)
        reader.finish()
        #expect(reader.isComplete)
    }

    @Test func malformedAnswersAreErrors() {
        var notHTTP = HTTPResponseReader()
        #expect(throws: HTTPResponseReader.Failure.notHTTP) { try notHTTP.feed(Array("SSH-2.0-x\r\n\r\n".utf8)) }
        var badChunk = HTTPResponseReader()
        #expect(throws: HTTPResponseReader.Failure.malformedChunk) {
            try badChunk.feed(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n".utf8))
        }
        var endless = HTTPResponseReader()
        #expect(throws: HTTPResponseReader.Failure.headTooLarge) {
            try endless.feed([UInt8](repeating: 65, count: HTTPResponseReader.maximumHeadBytes + 1))
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
}
