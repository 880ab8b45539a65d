import Synchronization

/// The shared plumbing of a layer over ``AvahiService``: judges each sighting,
/// keeps the ``SightingTracker`` under a lock, and yields what changed as the
/// layer's own events. Its ``observe(_:)`` is the service's observer, so it
/// runs on the Avahi thread and keeps counts exact and events in order.
final class SightingStream<Value: Equatable & Sendable, Output: Sendable>: Sendable {
    typealias Tracker = SightingTracker<Value>

    private let tracker = Mutex(Tracker())
    private let judge: @Sendable (AvahiService.Sighting) -> Tracker.Verdict
    private let translate: @Sendable (Tracker.Change) -> [Output]
    private let continuation: AsyncStream<Output>.Continuation
    let events: AsyncStream<Output>

    init(judge: @escaping @Sendable (AvahiService.Sighting) -> Tracker.Verdict, translate: @escaping @Sendable (Tracker.Change) -> [Output]) {
        self.judge = judge
        self.translate = translate
        (events, continuation) = AsyncStream<Output>.makeStream()
    }

    func observe(_ event: AvahiService.Event) {
        let change = tracker.withLock { $0.apply(event, judge: judge) }
        guard let change else { return }
        for output in translate(change) { continuation.yield(output) }
    }

    /// Sightings judged `.reject` so far.
    var rejected: Int { tracker.withLock { $0.rejected } }

    func finish() {
        continuation.finish()
    }
}
