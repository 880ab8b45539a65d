public import NatterAPI

/// What the daemon answers: a JSON document, or a stream of events that lasts
/// until either side goes away (the server frames each as a server-sent event).
public enum APIResponse: Sendable {
    case json(status: Int, body: [UInt8])
    /// `onClose` runs once when the client disconnects or the stream ends.
    case eventStream(AsyncStream<APIEvent>, onClose: @Sendable () -> Void)
}

/// The daemon side of the local API.
public protocol LocalAPIHandler: Sendable {
    func respond(to request: APIRequest) async -> APIResponse
}
