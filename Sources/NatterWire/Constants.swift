/// Every limit and period of the wire protocol, named once (Docs/protocol.md).
public enum WireConstants {
    /// The protocol version, first byte of every handshake message, transport
    /// message, datagram and frame; bound into the Noise prologue.
    public static let protocolVersion: UInt8 = 2
    /// A frame's plaintext bound: a Noise transport message (≤ 65535 bytes)
    /// minus the 16-byte tag, rounded down to leave room for the envelope.
    public static let maximumFrameBytes = 65_000
    /// The longest display name, in UTF-8 bytes: what a hello frame carries,
    /// what fits the sealed mDNS record, what `natter init` accepts.
    public static let maximumNameBytes = 64
    /// A handshake's first message carries its creation time; older or newer
    /// than this (clock skew included) is refused before any key work.
    public static let handshakeTimestampTolerance: Duration = .seconds(120)
    /// A responder answers an admitted first message whose timestamp is out of
    /// the tolerance with a clock hint (Docs/protocol.md §4.4.1) at most this
    /// many times per source address per ``clockHintWindow``; past it, a decoy.
    /// One hint is all an honest initiator needs; each costs two HMACs, no DH.
    public static let clockHintsPerSource = 4
    public static let clockHintWindow: Duration = .seconds(10)
    /// How long a responder ties a hint it sent to the next link from that
    /// address, to report the colleague's clock difference by name (the
    /// initiator redials within seconds).
    public static let clockHintMemory: Duration = .seconds(60)
    /// Peers whose clock offset, hint or reported difference is remembered
    /// (``PeerClocks``); the oldest is forgotten first.
    public static let peerClocksCapacity = 256
    /// How many recent first messages the responder remembers to refuse replays.
    public static let handshakeReplayCacheSize = 4096
    /// A connection that has not finished its handshake after this long is closed.
    public static let handshakeTimeout: Duration = .seconds(5)
    /// On an otherwise silent link the dialler sends a keepalive when it sent
    /// nothing for this long, and the other side answers it (``LinkLiveness``;
    /// WireGuard's keepalive is 10 s too). Both then hear the other at least
    /// this often, which leaves ``deadPeerTimeout`` 5 s of margin for a late
    /// TCP segment. Was 5 s from both sides: four times the frames and wake-ups.
    public static let keepaliveInterval: Duration = .seconds(10)
    /// Keepalives due within this long of one that is due go out with it, so
    /// that one wake-up serves all of a daemon's idle links: half the
    /// interval, so any two groups of links are in step after two rounds. A
    /// keepalive sent early costs a frame and leaves more margin, never less.
    public static let keepaliveCoalescing: Duration = .seconds(5)
    /// A keepalive is answered at once unless this side sent a frame this
    /// recently (the dialler, having just sent its own, does not answer the
    /// answer: no ping-pong).
    public static let keepaliveAnswerQuiet: Duration = .seconds(1)
    /// A link that received nothing for this long is dead: its peer's session
    /// state clears (the issue asks for detection within 15 s).
    public static let deadPeerTimeout: Duration = .seconds(15)
    /// Handshake attempts accepted per source address per ``rateLimitWindow``.
    public static let handshakesPerSource = 20
    public static let rateLimitWindow: Duration = .seconds(10)
    /// Connections one source address may hold open before admission at once
    /// (``PendingHandshakes``). An honest peer has one or two (crossing dials),
    /// each for a round trip.
    public static let pendingHandshakesPerSource = 8
    /// Connections all sources together may hold open before admission; past
    /// it the oldest is closed for the newcomer (``PendingHandshakes``). An
    /// honest message 1 is admitted within a LAN round trip, so a flood must
    /// open this many connections in that time to crowd one out.
    public static let pendingHandshakes = 256
    /// Sliding replay window for datagrams, in packets (WireGuard / RFC 6479: 8192 − 64).
    public static let replayWindowSize: UInt64 = 8128
    /// How long a dial waits for the TCP connection before giving up (the
    /// dial is retried with backoff): a LAN answers in milliseconds, and a
    /// colleague whose machine is off should not hold a dial for long.
    public static let dialTimeout: Duration = .seconds(3)
    /// Largest datagram accepted; state datagrams are tiny.
    public static let maximumDatagramBytes = 1_200

    /// Datagrams accepted per source address per ``datagramRateWindow``,
    /// before any lookup or cryptography. A colleague sends a few states a
    /// second at most, and a forwarder relays a whole subnet's from one
    /// address, so the budget is generous; it bounds what one flooding
    /// source can make a peer do (WireGuard rate-limits per source too).
    public static let datagramsPerSource = 512
    public static let datagramRateWindow: Duration = .seconds(1)

    // MARK: The UDP path check (Docs/protocol.md §6.5)

    /// A peer answers at most this many echo requests per link per
    /// ``echoReplyWindow``; past it, requests are dropped unanswered. A
    /// check sends ``udpCheckRequests``, so a few checks a window are
    /// answered, and a peer cannot be made to send more than a trickle.
    public static let echoRepliesPerLink = 12
    public static let echoReplyWindow: Duration = .seconds(10)
    /// Echo requests one check sends, ``udpCheckInterval`` apart: one lost
    /// datagram on a busy LAN must not make a working path look blocked.
    public static let udpCheckRequests = 3
    public static let udpCheckInterval: Duration = .milliseconds(300)
    /// A check with no reply this long after its first request finds the
    /// path blocked: a LAN (or a forwarder's relay) answers in milliseconds.
    public static let udpCheckTimeout: Duration = .milliseconds(1500)

    // MARK: Rekey (Docs/protocol.md §5.8; WireGuard's timers, whitepaper §6.1)

    /// The dialler starts a rekey when the link's keys are this old
    /// (WireGuard's `RekeyAfterTime`).
    public static let rekeyAfter: Duration = .seconds(120)
    /// Keys this old are never used again: either side closes the link, and a
    /// new handshake follows (WireGuard's `RejectAfterTime`). Leaves the
    /// other side a minute to answer a rekey.
    public static let rejectAfter: Duration = .seconds(180)
    /// The dialler also starts a rekey after this many frames (both
    /// directions, stream only) under one epoch's keys, whichever comes first.
    /// Far below any nonce limit; it bounds how much one key protects.
    public static let rekeyAfterMessages: UInt64 = 1 << 16
    /// Either side closes a link whose keys protected this many frames: a
    /// dialler that never rekeys is not followed for ever.
    public static let rejectAfterMessages: UInt64 = 1 << 17
    /// The previous epoch's datagram receive key is kept this long after a
    /// rekey (or until the next one), for datagrams already in flight; then
    /// it is erased. The previous stream keys are erased at the switch.
    public static let previousDatagramKeysLifetime: Duration = .seconds(5)
}
