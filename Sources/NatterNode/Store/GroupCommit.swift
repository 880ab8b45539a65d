import NatterCore

/// Decides what goes into the store's next commit and when it starts: group
/// commit, the way databases make `fsync` affordable.
///
/// A commit with `synchronous = FULL` costs a few hundred microseconds
/// whatever it holds, so one per message caps a daemon at a few thousand
/// messages a second. Instead, writes that arrive while a commit is in flight
/// wait, and the next commit takes all of them at once (up to
/// ``maximumBatch``): under load each commit carries a larger batch, and an
/// idle daemon still commits a lone write at once. A write's effect
/// (a receipt, an API answer) happens only after the commit that holds it.
///
/// `gatherFor` optionally holds the first write of an idle daemon a little
/// longer so that the writes right behind it join its commit; zero (the
/// default) commits it at once, which gives the lowest latency.
///
/// A value: writes and the time in, the next batch (or the time to ask
/// again) out. `NatterDaemon+GroupCommit.swift` runs the commits.
struct GroupCommit<Write>: Sendable where Write: Sendable {
    /// What the caller does next.
    enum Decision: Sendable {
        /// Commit these writes now, in this order, in one transaction; call
        /// ``committed(at:)`` when it is done (whether it succeeded or not).
        case commit([Write])
        /// Nothing to start: a commit is in flight (its end brings the next
        /// batch), or nothing is waiting.
        case wait
        /// Call ``due(at:)`` at this time: the gathering window ends.
        case askAgain(at: MonotonicInstant)
    }

    /// The most writes one commit takes: bounds the time one commit holds
    /// the writer and the memory of a batch; more wait for the next commit.
    let maximumBatch: Int
    /// How long the first write of an idle daemon waits for company.
    let gatherFor: Duration

    private var waiting: [Write] = []
    private var firstWaitingSince: MonotonicInstant?
    private(set) var isCommitting = false

    init(maximumBatch: Int, gatherFor: Duration = .zero) {
        precondition(maximumBatch > 0, "a commit must be able to take one write")
        self.maximumBatch = maximumBatch
        self.gatherFor = gatherFor
    }

    /// Writes waiting for a commit (not counting one in flight).
    var waitingCount: Int { waiting.count }

    /// A write arrives.
    mutating func add(_ write: Write, at now: MonotonicInstant) -> Decision {
        waiting.append(write)
        if firstWaitingSince == nil { firstWaitingSince = now }
        return next(at: now)
    }

    /// The commit handed out last is over (committed or failed).
    mutating func committed(at now: MonotonicInstant) -> Decision {
        precondition(isCommitting, "committed(at:) without a commit in flight")
        isCommitting = false
        return next(at: now, afterCommit: true)
    }

    /// The time ``Decision/askAgain(at:)`` named has come.
    mutating func due(at now: MonotonicInstant) -> Decision {
        next(at: now)
    }

    /// Takes everything waiting, for a last commit at shutdown, whatever
    /// the window; the caller commits it (after any commit in flight).
    mutating func drain() -> [Write] {
        defer { waiting = []; firstWaitingSince = nil }
        return waiting
    }

    private mutating func next(at now: MonotonicInstant, afterCommit: Bool = false) -> Decision {
        guard !isCommitting, let since = firstWaitingSince else { return .wait }
        // Behind a commit the writes have already waited for company (they
        // arrived during it); a full batch gains nothing by waiting.
        let gathered = afterCommit || waiting.count >= maximumBatch || now >= since + gatherFor
        guard gathered else { return .askAgain(at: since + gatherFor) }
        let batch = Array(waiting.prefix(maximumBatch))
        waiting.removeFirst(batch.count)
        firstWaitingSince = waiting.isEmpty ? nil : now
        isCommitting = true
        return .commit(batch)
    }
}
