import Hummingbird
import NatterAPI
import NatterNode
import NIOCore
import Synchronization

/// The request context of natter's HTTP servers: Hummingbird's, plus the
/// connection, which an event stream watches to end when its client leaves.
struct NatterRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    var maxUploadSize: Int { HTTPConstants.maximumAPIBodyBytes }
}

/// Carries a request from Hummingbird to the ``LocalAPIHandler``, which alone
/// decides what every endpoint does, and its answer back: JSON as is, an
/// event stream as server-sent events.
struct APIForwarder: Sendable {
    let handler: any LocalAPIHandler

    func respond(to request: Request, context: NatterRequestContext) async throws -> Response {
        var request = request
        let limit = HTTPConstants.maximumAPIBodyBytes
        // Refused as soon as its length is known, not after reading it.
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            return APIForwarder.error(413, HTTPErrorText.bodyTooLarge(limit: limit), closing: true)
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return APIForwarder.error(413, HTTPErrorText.bodyTooLarge(limit: limit), closing: true)
        }
        let apiRequest = APIRequest(method: request.method.rawValue, target: request.head.path ?? "/", body: Array(buffer: body))
        switch await handler.respond(to: apiRequest) {
        case .json(let status, let body):
            return Self.json(status, body)
        case .eventStream(let events, let onClose):
            return Self.eventStream(events, onClose: onClose, connection: context.channel)
        }
    }

    static func json(_ status: Int, _ body: [UInt8], closing: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if closing { headers[.connection] = "close" }
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The API's error answer: `{"error": sentence}`.
    static func error(_ status: Int, _ sentence: String, closing: Bool = false) -> Response {
        json(status, APIErrorBody.encoded(sentence), closing: closing)
    }

    /// Streams events until the daemon ends the stream or the client leaves
    /// (the connection closes: `EventStreamHangUp`); `onClose` runs once either way.
    static func eventStream(
        _ events: AsyncStream<APIEvent>, onClose: @escaping @Sendable () -> Void, connection: any Channel
    ) -> Response {
        let once = CloseOnce(onClose)
        // The stream's end is what wakes the loop below when nothing is sent.
        connection.closeFuture.whenComplete { _ in once.run() }
        let body = ResponseBody { writer in
            defer { once.run() }
            // An initial comment sends the head at once, so the client knows it is subscribed.
            try await writer.write(ByteBuffer(string: ": subscribed\n\n"))
            for await event in events {
                try await writer.write(ByteBuffer(bytes: APIForwarder.serverSentEvent(event)))
            }
            try await writer.finish(nil)
        }
        // The connection's last answer: when the stream ends, so does the connection.
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", .connection: "close"],
            body: body)
    }

    /// One event as a server-sent event named after its kind, its data the
    /// event's JSON on one line (JSON never contains a raw newline).
    static func serverSentEvent(_ event: APIEvent) -> [UInt8] {
        let data = (try? APIJSON.encode(event)) ?? []
        return Array("event: \(event.kind.rawValue)\ndata: ".utf8) + data + Array("\n\n".utf8)
    }
}

/// Runs a closure at most once, from whichever side gets there first.
private final class CloseOnce: Sendable {
    private let action: Mutex<(@Sendable () -> Void)?>

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = Mutex(action)
    }

    func run() {
        let pending = action.withLock { action in
            defer { action = nil }
            return action
        }
        pending?()
    }
}
