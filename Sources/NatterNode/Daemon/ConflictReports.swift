import NatterCore

/// How loudly to report a device refused for a name, as a value with the
/// time as an input: one `critical` line the first time a conflict is seen
/// (per run of the daemon), then silence — each refusal only counted — with a
/// summary of the count at most once per ``NodeConstants/conflictSummaryInterval``.
/// An impostor that reconnects every second costs one line, not thousands;
/// and at most ``NodeConstants/newConflictLinesPerInterval`` new conflicts
/// get a line per interval, so a member announcing many made-up devices
/// cannot flood the log either (the rest are counted into the next line and
/// get their own once there is room, if they keep coming).
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
        /// A conflict's first line: say so loudly, once. `withheld` other new
        /// conflicts were met since the last first line without one.
        case first(withheld: Int)
        /// Refused `count` more times since the last line (the first or the
        /// previous summary), which was `since` ago.
        case summary(count: Int, since: Duration)
        /// Counted; nothing to log now.
        case quiet
    }

    private struct Tally: Sendable {
        var total = 0
        var unreported = 0
        var reportedAt: MonotonicInstant
        var announced = false
    }

    let interval: Duration
    /// Conflicts tallied at most; the one reported longest ago goes first.
    let capacity: Int
    /// New conflicts that get a line per interval.
    let newLinesPerInterval: Int
    private var tallies: [Key: Tally] = [:]
    /// When the current interval for new lines began, and how many it has had.
    private var window: (start: MonotonicInstant, lines: Int)?
    /// New conflicts met without a line since the last first line.
    private var withheld: Set<Key> = []

    init(
        interval: Duration = NodeConstants.conflictSummaryInterval, capacity: Int = NodeConstants.conflictTallies,
        newLinesPerInterval: Int = NodeConstants.newConflictLinesPerInterval
    ) {
        self.interval = interval
        self.capacity = capacity
        self.newLinesPerInterval = newLinesPerInterval
    }

    /// The conflict `key` was met (a refused hello, a conflicting mDNS
    /// record) at `now`: what to log.
    mutating func met(_ key: Key, at now: MonotonicInstant) -> Report {
        var tally = tallies[key] ?? newTally(at: now)
        tally.total += 1
        defer { tallies[key] = tally }
        guard tally.announced else {
            guard mayAnnounce(at: now) else {
                withheld.insert(key)
                return .quiet
            }
            withheld.remove(key)
            defer { withheld = [] }
            tally.announced = true
            tally.reportedAt = now
            return .first(withheld: withheld.count)
        }
        tally.unreported += 1
        guard now - tally.reportedAt >= interval else { return .quiet }
        let report = Report.summary(count: tally.unreported, since: now - tally.reportedAt)
        tally.unreported = 0
        tally.reportedAt = now
        return report
    }

    /// A new tally, making room first when full.
    private mutating func newTally(at now: MonotonicInstant) -> Tally {
        if tallies.count >= capacity, let stalest = tallies.min(by: { $0.value.reportedAt < $1.value.reportedAt })?.key {
            tallies[stalest] = nil
            withheld.remove(stalest)
        }
        return Tally(reportedAt: now)
    }

    /// Whether a new conflict may have its line now (and counts it if so).
    private mutating func mayAnnounce(at now: MonotonicInstant) -> Bool {
        if let current = window, now - current.start < interval {
            guard current.lines < newLinesPerInterval else { return false }
            window = (current.start, current.lines + 1)
        } else {
            window = (now, 1)
        }
        return true
    }

    /// How often `key` was met in this run (0: never).
    func count(_ key: Key) -> Int { tallies[key]?.total ?? 0 }

    /// `natter forget`: the device's conflicts start afresh (a new one is news again).
    mutating func forget(_ claimant: DeviceFingerprint) {
        tallies = tallies.filter { $0.key.claimant != claimant }
        withheld = withheld.filter { $0.claimant != claimant }
    }
}
