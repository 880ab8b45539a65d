public import NatterAPI
import NatterNode

/// Records a daemon's event stream and lets a test wait for the event an
/// action causes — by awaiting the stream, not by sleeping.
public actor EventRecorder {
    public private(set) var all: [APIEvent] = []
    private typealias Waiter = (id: UInt64, predicate: @Sendable (APIEvent) -> Bool, continuation: CheckedContinuation<APIEvent?, Never>)
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var ended = false

    public init() {}

    /// Subscribes now (so nothing published after this call is missed) and
    /// records in the background until the daemon ends the stream.
    func follow(_ daemon: NatterDaemon) async {
        let (stream, _) = await daemon.subscribe()
        Task {
            for await event in stream { self.record(event) }
            self.end()
        }
    }

    /// Where the next event will be recorded: wait from here for what an action causes.
    public var mark: Int { all.count }

    /// A watchdog, not a pace: daemons in memory answer within
    /// milliseconds, so an event that has not come after this long never
    /// will, and the test fails instead of hanging.
    public static let patience: Duration = .seconds(10)

    /// The first event at or after `mark` matching `predicate`; nil if the
    /// stream ends first or nothing matches within ``patience``.
    public func first(after mark: Int = 0, where predicate: @escaping @Sendable (APIEvent) -> Bool) async -> APIEvent? {
        if let found = all[min(mark, all.count)...].first(where: predicate) { return found }
        if ended { return nil }
        let id = nextWaiterID
        nextWaiterID += 1
        let watchdog = Task {
            try await Task.sleep(for: Self.patience)
            self.giveUp(id)
        }
        defer { watchdog.cancel() }
        return await withCheckedContinuation { waiters.append((id, predicate, $0)) }
    }

    private func giveUp(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }

    public func count(after mark: Int = 0, where predicate: (APIEvent) -> Bool) -> Int {
        all[min(mark, all.count)...].filter(predicate).count
    }

    private func record(_ event: APIEvent) {
        all.append(event)
        var waiting: [Waiter] = []
        for waiter in waiters {
            if waiter.predicate(event) {
                waiter.continuation.resume(returning: event)
            } else {
                waiting.append(waiter)
            }
        }
        waiters = waiting
    }

    private func end() {
        ended = true
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters = []
    }
}
