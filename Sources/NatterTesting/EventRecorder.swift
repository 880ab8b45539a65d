public import NatterAPI
public import NatterNode

/// Records a daemon's event stream and lets a test wait for the event an
/// action causes — by awaiting the stream, not by sleeping.
public actor EventRecorder {
    public private(set) var all: [APIEvent] = []
    private var waiters: [(predicate: @Sendable (APIEvent) -> Bool, continuation: CheckedContinuation<APIEvent?, Never>)] = []
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

    /// The first event at or after `mark` matching `predicate`; nil if the
    /// stream ends first. The daemons in memory answer at once, so a test
    /// that waits here forever has found a bug (the test runner's time limit
    /// ends it).
    public func first(after mark: Int = 0, where predicate: @escaping @Sendable (APIEvent) -> Bool) async -> APIEvent? {
        if let found = all[min(mark, all.count)...].first(where: predicate) { return found }
        if ended { return nil }
        return await withCheckedContinuation { waiters.append((predicate, $0)) }
    }

    public func count(after mark: Int = 0, where predicate: (APIEvent) -> Bool) -> Int {
        all[min(mark, all.count)...].filter(predicate).count
    }

    private func record(_ event: APIEvent) {
        all.append(event)
        var waiting: [(predicate: @Sendable (APIEvent) -> Bool, continuation: CheckedContinuation<APIEvent?, Never>)] = []
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
