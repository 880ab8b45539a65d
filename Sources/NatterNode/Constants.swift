/// Every period and limit of the running peer, named once with its reason
/// (in the spirit of wireguard-go's `constants.go`). Wire-protocol limits and
/// link timers are in `NatterWire.WireConstants`; session-state presets are
/// configurable (`SessionStateTimings`, Docs/configuration.md).
enum NodeConstants {
    // MARK: Delivery

    /// How often to dial static peers and discovered colleagues without a link,
    /// and to resend messages not acknowledged on a live link. Short enough
    /// that a colleague who comes back gets their messages promptly; long
    /// enough to be invisible in CPU use and wake-ups.
    static let maintenanceInterval: Duration = .seconds(2)
    /// A message sent on a live link but not acknowledged after this long is
    /// sent again (the receiver drops the duplicate by id and acknowledges it
    /// again). Longer than any round trip plus a durable commit on a LAN.
    static let resendAfter: Duration = .seconds(5)

    /// The most messages and receipts one group commit takes (`GroupCommit`):
    /// at 10,000 a second a commit every few hundred microseconds holds a few
    /// hundred; the bound keeps one commit's time and memory small when a
    /// backlog arrives at once (a colleague's outbox on reconnection).
    static let maximumCommitBatch = 1024
    /// How long the first write of an idle daemon waits for others to join
    /// its commit. Zero: commit at once, for the lowest delivery latency;
    /// under load, writes gather behind the commit in flight anyway.
    static let commitGatherWindow: Duration = .zero

    // MARK: Dialling

    /// The first retry after a failed dial; it doubles up to ``dialBackoffMaximum``.
    static let dialBackoffFirst: Duration = .seconds(1)
    /// Dialling a colleague who is down never costs more than one attempt per this.
    static let dialBackoffMaximum: Duration = .seconds(30)
    /// Of two colleagues who discover each other, the higher fingerprint waits
    /// this long before dialling, so the two rarely cross (the lower dials first).
    static let dialGrace: Duration = .seconds(2)
    /// For this long after the daemon starts it dials everyone it sees at
    /// once, whatever the fingerprints: its own mDNS record is still being
    /// probed (Avahi takes ~1 s), so colleagues seen now — answered from the
    /// cache — cannot have seen it yet and cannot be dialling it. A newcomer
    /// is then online in one handshake (~50 ms) instead of waiting for
    /// colleagues to see its record (~1 s).
    static let startupDialWindow: Duration = .seconds(1)

    // MARK: Network changes

    /// Two links to one peer established within this long of each other
    /// crossed (both dialled at once) and the lower fingerprint's dial wins;
    /// a link older than this is replaced by a newer one whoever dialled it
    /// (`LinkTable.established`). A handshake completes within
    /// `WireConstants.handshakeTimeout` (5 s) of its connect, and the two
    /// sides see a link complete within one round trip of each other, so
    /// both sides judge a pair alike; a reconnect after a sleep or an address
    /// change comes long after the old link was established.
    static let crossingWindow: Duration = .seconds(5)
    /// The maintenance round came this much later than asked: the process
    /// was suspended (a laptop slept, SIGSTOP) for at least
    /// `WireConstants.deadPeerTimeout` − `keepaliveInterval` (10 s) without
    /// sending a keepalive, so colleagues may have closed its links — and
    /// after their 15 s they certainly have. The daemon then drops every link
    /// and dials everyone at once (`NetworkWatch`).
    static let resumeGap: Duration = .seconds(10)
    /// For this long after this machine's addresses changed, the
    /// maintenance round comes every ``unsettledNetworkInterval`` instead of
    /// ``maintenanceInterval``: an address is often deleted and its successor
    /// added a moment later (DHCP, a move), and a dial made in between fails;
    /// the next round sees the new address and dials again at once, within
    /// half a second instead of two.
    static let networkSettleTime: Duration = .seconds(5)
    static let unsettledNetworkInterval: Duration = .milliseconds(500)

    // MARK: Names

    /// A device refused for a name is logged once as critical, then only
    /// counted; the count is logged at most this often while it keeps
    /// coming back (an impostor that redials every few seconds would
    /// otherwise fill the journal).
    static let conflictSummaryInterval: Duration = .seconds(600)
    /// Conflicts whose refusals are counted at most: a member publishing
    /// records under made-up fingerprints cannot grow the daemon without
    /// bound (the conflict reported longest ago is dropped, and is news
    /// again if it returns).
    static let conflictTallies = 1024
    /// New conflicts that get a critical line of their own per
    /// ``conflictSummaryInterval``; more are counted into the next line (a
    /// member announcing made-up devices under colleagues' names must not
    /// flood the log), and get their line later if they keep coming.
    static let newConflictLinesPerInterval = 10

    // MARK: Store

    /// Sequence numbers are reserved in blocks this large (`SequenceAllocator`):
    /// a fast typist causes a store write only every few minutes, and the
    /// counter never approaches 2^64 in a device's life.
    static let sequenceBlockSize: UInt64 = 4096

    // MARK: Logging

    /// An identical failure (a full disk fails every store write) is logged
    /// at most once per this, with a count of those held back: the journal
    /// shows it is still happening without one line per message and resend.
    static let repeatedLogInterval: Duration = .seconds(60)

    // MARK: Links

    /// Pending TCP connections the kernel queues for the link listener: a
    /// whole office reconnecting at once after a network blip, and room for a
    /// colleague's connection during a connection flood. When this queue is
    /// full the kernel drops the SYN and the colleague's TCP retries after 1 s.
    /// Measured with `BENCH_SECTIONS=handshake make bench`: with 128, 6 of 9
    /// flood measurements had a colleague link that took that extra second;
    /// with 1024, 1 of 9 (Docs/benchmarks.md, "Handshake flood"). The kernel
    /// caps it at `net.core.somaxconn` (4096 by default). Queued connections
    /// cost only kernel memory; the daemon bounds what it accepts
    /// (`PendingHandshakes`).
    static let linkListenBacklog: Int32 = 1024
    /// Source addresses the handshake rate limiter tracks at most; when full
    /// it starts afresh, so a spoofing flood cannot grow it without bound.
    static let rateLimitedSources = 4096

    // MARK: Idle sources

    /// The longest an idle source's tool (`busctl`, `xprintidle`) may take
    /// before it is killed and the source counts as gone: a hung bus or X
    /// server must never hold back *away* for long, and a healthy call takes
    /// milliseconds.
    static let idleToolTimeout: Duration = .seconds(2)

    // MARK: Local API (the HTTP server's limits are NatterHTTP's `HTTPConstants`)

    /// Events buffered per event-stream subscriber before the oldest are
    /// dropped: a burst of a few thousand messages or states without loss,
    /// while a stuck subscriber can never grow the daemon without bound.
    static let eventBufferPerSubscriber = 4096
    /// History entries answered when the request names no limit, and the most
    /// it may name.
    static let defaultHistoryLimit = 50
    static let maximumHistoryLimit = 1000
}
