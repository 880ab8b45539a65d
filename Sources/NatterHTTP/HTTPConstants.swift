/// Every limit and period of natter's HTTP servers, each named once with its reason.
enum HTTPConstants {
    // MARK: Connections and requests

    /// Pending connections on the API socket: a few front ends and scripts.
    static let apiListenBacklog: Int32 = 64

    /// A connection must deliver a complete request within this long of
    /// opening or of its previous answer, else it is answered `408` and closed
    /// (`APIConnectionHandler`): front ends send at once, so this only
    /// reclaims connections left open by a stuck or careless client (or a
    /// local program holding many open); a request typed by hand into
    /// `socat` needs to be pasted.
    static let apiRequestTimeout: Duration = .seconds(10)

    /// When the last of at least this many simultaneous API connections
    /// closes, the daemon gives their memory back to the system
    /// (`ConnectionBurst`, `MemoryTrim`). Front ends hold a handful; this many
    /// is a burst (a script gone wrong), and a trim costs a few milliseconds.
    static let apiBurstConnections = 100

    /// When a server is stopped: how long it has to take the connections it
    /// accepted but had not yet started serving (a dropped one traps in NIO)
    /// before what is still open — event streams, mostly — is cancelled. The
    /// accept loop takes them in microseconds; a daemon's stop waits this long.
    static let acceptedConnectionsGrace: Duration = .milliseconds(200)

    /// Largest request body accepted: a message at its limit (16 KiB of UTF-8),
    /// JSON-escaped (up to 6 bytes per byte), fits with room to spare.
    static let maximumAPIBodyBytes = 128 * 1024

    // MARK: Web UI

    /// The web UI's default port is this plus the user's uid modulo
    /// `webPortSpread`, so each user of a shared machine gets a port of their
    /// own (uid 1000: 21000), below Linux's ephemeral range (32768–60999).
    /// A port someone else holds is replaced by a free one (`WebListener`).
    static let webPortBase = 20_000
    static let webPortSpread: UInt32 = 10_000
    /// How long a one-time link stays valid: long enough for a browser to
    /// start, short enough that a link seen later on a screen or in a
    /// terminal's scrollback is useless.
    static let webLinkLifetime: Duration = .seconds(60)
    /// Links not yet used, and sessions (browsers signed in), kept at once;
    /// beyond that the oldest goes. A user has a few browsers, not hundreds.
    static let webLinksOutstanding = 16
    static let webSessions = 32
    /// Largest file the web root may serve: the UI is a handful of small
    /// files, so anything larger is not part of it.
    static let maximumWebFileBytes = 8 * 1024 * 1024
}
