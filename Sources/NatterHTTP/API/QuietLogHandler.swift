import Logging

/// The log handler natter gives Hummingbird: only its critical lines reach
/// natter's log (its others — "Server started …", and at every stop an error
/// line per listener for the cancelled accept loop — say nothing natter's do
/// not), and the metadata it attaches to every request (a request id) is
/// kept as given, not formatted. natter's own handler formats and
/// neutralises metadata whenever it changes (`TerminalSafeLogHandler` over
/// swift-log's `StreamLogHandler`): that cost every request, before it
/// reached the daemon, on a state event's path (issue 15's profile).
struct QuietLogHandler: LogHandler {
    private let wrapped: any LogHandler
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .critical

    init(wrapping handler: any LogHandler) {
        wrapped = handler
        metadataProvider = handler.metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Only called for lines at or above `logLevel`: formatted once, by natter's handler.
    func log(event: LogEvent) {
        var event = event
        event.metadata = metadata.merging(event.metadata ?? [:]) { $1 }
        wrapped.log(event: event)
    }
}
