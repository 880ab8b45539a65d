/// Every limit and period of natter's HTTP servers, each named once with its reason.
enum HTTPConstants {
    // MARK: Requests

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
