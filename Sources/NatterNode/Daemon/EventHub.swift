import NatterAPI
import Synchronization

/// Fans daemon events out to every event-stream subscriber (`natter watch`,
/// chat windows, other front ends).
///
/// A slow subscriber must never slow the daemon: each has a bounded buffer
/// (``NodeConstants/eventBufferPerSubscriber``) and loses its oldest events
/// when it falls that far behind.
final class EventHub: Sendable {
    private let subscribers = Mutex<[UInt64: AsyncStream<APIEvent>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

    /// A new stream of events; it ends when `cancel` runs.
    func subscribe() -> (stream: AsyncStream<APIEvent>, cancel: @Sendable () -> Void) {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<APIEvent>.makeStream(
            bufferingPolicy: .bufferingNewest(NodeConstants.eventBufferPerSubscriber))
        subscribers.withLock { $0[id] = continuation }
        let cancel: @Sendable () -> Void = { [weak self] in
            let removed = self?.subscribers.withLock { $0.removeValue(forKey: id) }
            removed?.finish()
        }
        continuation.onTermination = { _ in cancel() }
        return (stream, cancel)
    }

    /// Sends `event` to every subscriber. Built only when there is one: a
    /// daemon nobody watches (no window open) builds no views.
    func publish(_ event: @autoclosure () -> APIEvent) {
        subscribers.withLock { subscribers in
            guard !subscribers.isEmpty else { return }
            let event = event()
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
}
