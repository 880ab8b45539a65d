import NatterAPI
import NIOCore
import NIOHTTP1

/// The manners of one connection of natter's HTTP servers, between NIO's
/// HTTP/1.1 codec and Hummingbird's (in place of the bare 400 Hummingbird
/// answers a parser error with):
///
/// - bytes that are not HTTP/1.1 get the documented `{"error": …}` with a
///   sentence (`HTTPErrorText.malformedHTTP`), then the connection closes;
/// - an answer that says `Connection: close` (a refused oversized body, an
///   event stream's end) is the connection's last: it closes once written;
/// - a connection must deliver a complete request within `requestTimeout` of
///   opening or of its previous answer, else it gets a `408` with a sentence
///   and is closed. Nothing is timed while the daemon answers, so an event
///   stream, which never ends its answer, is never cut.
///
/// Time is the event loop's, so tests drive it with `EmbeddedEventLoop.advanceTime`.
final class APIConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let requestTimeout: Duration
    private var timer: Scheduled<Void>?
    /// Complete requests whose answer has not ended yet (HTTP pipelining may queue several).
    private var unanswered = 0
    /// A response head went out and its end has not: no other answer may start.
    private var responding = false
    /// The answer under way says `Connection: close`.
    private var closingAfterAnswer = false

    init(requestTimeout: Duration) {
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            // Complete: the daemon answers in its own time.
            unanswered += 1
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:  // not a 1xx interim answer
            responding = true
            closingAfterAnswer = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        case .end where closingAfterAnswer:
            disarm()
            let channel = context.channel
            context.writeAndFlush(data).whenComplete { result in
                promise?.completeWith(result)
                channel.close(promise: nil)
            }
            return
        case .end:
            responding = false
            unanswered = max(0, unanswered - 1)
            if unanswered == 0 { arm(context) }
        default:
            break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            // The decoder cannot go on after a parser error: answer, then
            // close. Not passed on: the answer is given (Hummingbird would
            // write a second, bare one).
            let answer = HTTPErrorText.malformedHTTP(error)
            answerAndClose(context, status: answer.status, sentence: answer.sentence)
            return
        }
        context.fireErrorCaught(error)
    }

    // MARK: The request timer

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(requestTimeout)) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.answerAndClose(context, status: 408, sentence: HTTPErrorText.requestTimeout(after: handler.requestTimeout))
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    /// Writes a JSON error unless another answer is under way, then closes
    /// the connection once it is written.
    private func answerAndClose(_ context: ChannelHandlerContext, status: Int, sentence: String) {
        disarm()
        let channel = context.channel
        guard !responding else {
            context.close(promise: nil)
            return
        }
        let body = APIErrorBody.encoded(sentence)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json; charset=utf-8")
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
