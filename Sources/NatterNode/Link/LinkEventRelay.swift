import Synchronization

/// Carries the link layer's events to their one consumer, in the order they
/// happened, in whichever of two ways the consumer chooses first:
///
/// - **a stream** (``events``), for consumers that iterate: tests, tools;
/// - **a sink** (``deliver(to:)``), for the daemon, which takes each event on
///   its own event loop, the links' loop, so a message read there is handled
///   and acknowledged without waking another thread (Docs/architecture.md,
///   "Threads and tasks"). An `AsyncStream` cannot do that: its
///   consumer resumes through the global executor, a thread switch each way.
///
/// Events that happen before the choice (a link made between binding the
/// port and starting the daemon) are kept and handed over first, so neither
/// way loses or reorders one.
final class LinkEventRelay: Sendable {
    private enum Consumer {
        case undecided([LinkEvent])
        case stream
        case sink(@Sendable (LinkEvent) -> Void)
        case finished
    }

    private let consumer = Mutex(Consumer.undecided([]))
    private let stream: AsyncStream<LinkEvent>
    private let continuation: AsyncStream<LinkEvent>.Continuation

    init() {
        (stream, continuation) = AsyncStream<LinkEvent>.makeStream()
    }

    /// The events as a stream. The first use chooses the stream, unless the
    /// sink was chosen before: then the stream carries nothing and only ends
    /// when the link layer does.
    var events: AsyncStream<LinkEvent> {
        consumer.withLock { consumer in
            guard case .undecided(let kept) = consumer else { return }
            for event in kept { continuation.yield(event) }
            consumer = .stream
        }
        return stream
    }

    /// Chooses the sink: every event from now on, after those kept, is
    /// handed to `sink` on the thread that made it, in order. The sink must
    /// return quickly and must not call back into the link layer (the
    /// daemon's only queues a job on its loop). False when the stream was
    /// chosen first.
    func deliver(to sink: @escaping @Sendable (LinkEvent) -> Void) -> Bool {
        consumer.withLock { consumer in
            switch consumer {
            case .undecided(let kept):
                kept.forEach(sink)
                consumer = .sink(sink)
                return true
            case .stream, .sink, .finished:
                return false
            }
        }
    }

    func yield(_ event: LinkEvent) {
        // Under the lock, so events from two threads reach the sink in the
        // order they were made.
        consumer.withLock { consumer in
            switch consumer {
            case .undecided(var kept):
                consumer = .finished  // lets go of the array, so appending does not copy it
                kept.append(event)
                consumer = .undecided(kept)
            case .stream: continuation.yield(event)
            case .sink(let sink): sink(event)
            case .finished: break
            }
        }
    }

    /// The link layer has stopped: the stream ends, the sink hears no more.
    func finish() {
        consumer.withLock { $0 = .finished }
        continuation.finish()
    }
}
