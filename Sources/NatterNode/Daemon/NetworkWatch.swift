import NatterCore

/// Notices, from the daemon's maintenance rounds, what colleagues cannot
/// tell it: that this machine slept, or that its addresses changed. Pure:
/// the daemon passes in the time and the addresses it reads
/// (`DoctorProbes.interfaces`), and carries out what comes back
/// (`NatterDaemon+Network.swift`).
///
/// - **Resumed**: a round came ``NodeConstants/resumeGap`` or more after it
///   was due. The process was suspended (a laptop's sleep; SIGSTOP in the
///   lab) without sending keepalives, so colleagues have closed, or are about
///   to close, its links: every link is dropped and everyone dialled at once.
/// - **Addresses lost**: an address of an interface that is up went away, or
///   its interface went down. Links from it are dead (nothing can be sent
///   from an address the machine no longer has); the daemon drops every
///   link from an address it does not have at each round, and after a
///   change dials the colleagues again at once from what is left.
/// - **Addresses gained**: an interface came up or got an address. Links
///   stay; colleagues not linked are dialled at once instead of at the end
///   of their backoff (they may be reachable now).
struct NetworkWatch: Sendable {
    enum Change: Equatable, Sendable {
        case resumed(after: Duration)
        case addressesLost(Set<String>)
        case addressesGained(Set<String>)
    }

    private var lastRound: MonotonicInstant?
    private var usable: Set<String>?
    /// Until when rounds come quickly: ``NodeConstants/networkSettleTime`` after the last address change.
    private var unsettledUntil: MonotonicInstant?

    /// How long until the next round: ``NodeConstants/unsettledNetworkInterval``
    /// while the addresses changed recently (a successor address may follow
    /// in a moment), else ``NodeConstants/maintenanceInterval``.
    func nextInterval(at now: MonotonicInstant) -> Duration {
        if let unsettledUntil, now < unsettledUntil { return NodeConstants.unsettledNetworkInterval }
        return NodeConstants.maintenanceInterval
    }

    /// One maintenance round at `now`, which was due `interval` after the
    /// previous one; `addresses` are this machine's addresses on interfaces
    /// that are up and running (``NetworkSensor``). The first round only
    /// takes note. Returns what changed, resume first.
    mutating func round(at now: MonotonicInstant, interval: Duration, addresses: Set<String>) -> [Change] {
        var changes: [Change] = []
        if let lastRound {
            let late = now - lastRound - interval
            if late >= NodeConstants.resumeGap { changes.append(.resumed(after: late + interval)) }
        }
        if let usable {
            let lost = usable.subtracting(addresses), gained = addresses.subtracting(usable)
            if !lost.isEmpty { changes.append(.addressesLost(lost)) }
            if !gained.isEmpty { changes.append(.addressesGained(gained)) }
            if !lost.isEmpty || !gained.isEmpty { unsettledUntil = now + NodeConstants.networkSettleTime }
        }
        lastRound = now
        usable = addresses
        return changes
    }
}
