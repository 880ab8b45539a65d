import NatterCore

/// How loudly to report a device refused for a name, as a value with the
/// time as an input: one `critical` line the first time a conflict is seen
/// (per run of the daemon), then silence — each refusal only counted — with a
/// summary of the count at most once per ``NodeConstants/conflictSummaryInterval``.
/// An impostor that reconnects every second costs one line, not thousands.
struct ConflictReports: Sendable {
    /// One conflict: a device claiming a name it may not have.
    struct Key: Hashable, Sendable {
        let name: String
        let claimant: DeviceFingerprint

        init(name: String, claimant: DeviceFingerprint) {
            self.name = PinTable.key(name)
            self.claimant = claimant
        }
    }

    enum Report: Equatable, Sendable {
        /// A new conflict: say so loudly, once.
        case first
        /// Refused `count` more times since the last line (the first or the
        /// previous summary), which was `since` ago.
        case summary(count: Int, since: Duration)
        /// Counted; nothing to log now.
        case quiet
    }

    private struct Tally: Sendable {
        var total: Int
        var unreported: Int
        var reportedAt: MonotonicInstant
    }

    let interval: Duration
    /// Conflicts tallied at most; the one reported longest ago goes first.
    let capacity: Int
    private var tallies: [Key: Tally] = [:]

    init(interval: Duration = NodeConstants.conflictSummaryInterval, capacity: Int = NodeConstants.conflictTallies) {
        self.interval = interval
        self.capacity = capacity
    }

    /// The conflict `key` was met (a refused hello, a conflicting mDNS
    /// record) at `now`: what to log.
    mutating func met(_ key: Key, at now: MonotonicInstant) -> Report {
        guard var tally = tallies[key] else {
            if tallies.count >= capacity, let stalest = tallies.min(by: { $0.value.reportedAt < $1.value.reportedAt })?.key {
                tallies[stalest] = nil
            }
            tallies[key] = Tally(total: 1, unreported: 0, reportedAt: now)
            return .first
        }
        tally.total += 1
        tally.unreported += 1
        defer { tallies[key] = tally }
        guard now - tally.reportedAt >= interval else { return .quiet }
        let report = Report.summary(count: tally.unreported, since: now - tally.reportedAt)
        tally.unreported = 0
        tally.reportedAt = now
        return report
    }

    /// How often `key` was met in this run (0: never).
    func count(_ key: Key) -> Int { tallies[key]?.total ?? 0 }

    /// `natter forget`: the device's conflicts start afresh (a new one is news again).
    mutating func forget(_ claimant: DeviceFingerprint) {
        tallies = tallies.filter { $0.key.claimant != claimant }
    }
}
