public import Logging
import Synchronization

/// Keeps every log line a component writes, so tests can assert what an
/// operator would read (one line per refusal, the right level, both fingerprints).
public final class LogRecorder: Sendable {
    public struct Line: Sendable, Equatable {
        public let level: Logger.Level
        public let message: String
    }

    private let lines = Mutex<[Line]>([])

    public init() {}

    public func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    public func messages(atLeast level: Logger.Level = .trace) -> [String] {
        lines.withLock { $0.filter { $0.level >= level }.map(\.message) }
    }

    public func hasLine(containing text: String, atLeast level: Logger.Level = .trace) -> Bool {
        messages(atLeast: level).contains { $0.contains(text) }
    }

    fileprivate func record(_ level: Logger.Level, _ message: String) {
        lines.withLock { $0.append(Line(level: level, message: message)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, event.message.description)
        }
    }
}
