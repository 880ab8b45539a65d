import Foundation
import Synchronization

/// Fans daemon events out to every event-stream subscriber (`natter watch`,
/// chat windows, other front ends).
///
/// A slow subscriber must never slow the daemon: each has a bounded buffer and
/// loses its oldest events when it falls that far behind (`natter watch` prints
/// faster than any chat produces, so in practice nothing is dropped).
final class EventHub: Sendable {
    /// Enough for a burst of 2,000 state events or messages without dropping.
    static let bufferPerSubscriber = 4096

    private let subscribers = Mutex<[UInt64: AsyncStream<String>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

    /// A new stream of encoded server-sent events; it ends when `cancel` runs.
    func subscribe() -> (stream: AsyncStream<String>, cancel: @Sendable () -> Void) {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferPerSubscriber))
        subscribers.withLock { $0[id] = continuation }
        let cancel: @Sendable () -> Void = { [weak self] in
            let removed = self?.subscribers.withLock { $0.removeValue(forKey: id) }
            removed?.finish()
        }
        continuation.onTermination = { _ in cancel() }
        return (stream, cancel)
    }

    /// Sends `value` as a server-sent event named `name` to every subscriber.
    func publish(_ name: String, _ value: some Encodable) {
        guard let data = try? Self.encoder.encode(value) else { return }
        let event = "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        subscribers.withLock { subscribers in
            for continuation in subscribers.values { continuation.yield(event) }
        }
    }

    /// Ends every stream, e.g. at shutdown.
    func finishAll() {
        let all = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        all.forEach { $0.finish() }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
