/// `GET /v1/doctor?peer=PEER`: what only the daemon knows about one
/// colleague — how the link runs, whether UDP gets through, and the last
/// thing that went wrong — for the `peer-…` lines of `natter doctor PEER`.
public struct DoctorPeerView: Codable, Sendable, Equatable {
    /// The colleague's compact fingerprint.
    public var fingerprint: String
    public var name: String
    /// `direct` or `relayed`; absent when there is no link.
    public var link: LinkPath?
    /// The link's TCP remote end: the colleague's address on a direct link,
    /// the forwarder's `host:port` on a relayed one; absent with no link.
    public var remote: String?
    /// The UDP path check, made for this request.
    public var udp: UDPCheckView
    /// The last link error with this colleague since the daemon started; absent when none.
    public var lastError: LinkErrorView?

    public init(fingerprint: String, name: String, link: LinkPath?, remote: String?, udp: UDPCheckView, lastError: LinkErrorView?) {
        self.fingerprint = fingerprint
        self.name = name
        self.link = link
        self.remote = remote
        self.udp = udp
        self.lastError = lastError
    }
}

/// A state datagram's round trip with a colleague (Docs/protocol.md §6.5).
public struct UDPCheckView: Codable, Sendable, Equatable {
    public var outcome: UDPCheckOutcome
    /// Where the echo requests went, `host:port` (the forwarder's UDP port on a relayed link); absent when none went.
    public var target: String?
    /// How many echo requests went out.
    public var requests: Int
    /// The round trip of the answered request, in microseconds; absent unless `answered`.
    public var roundTripMicroseconds: Int?

    public init(outcome: UDPCheckOutcome, target: String? = nil, requests: Int = 0, roundTripMicroseconds: Int? = nil) {
        self.outcome = outcome
        self.target = target
        self.requests = requests
        self.roundTripMicroseconds = roundTripMicroseconds
    }
}

public enum UDPCheckOutcome: String, Codable, Sendable, CaseIterable {
    /// A reply came back: state datagrams get through both ways.
    case answered
    /// No reply within the check's time: states fall back to TCP.
    case unanswered
    /// There is no link to check.
    case noLink
    /// The colleague's hello announced no UDP port: states go by TCP only.
    case noUDPPort
    /// The colleague's natter predates the check and does not answer it.
    case unsupported
}

/// One link error with a colleague, as the daemon last saw it.
public struct LinkErrorView: Codable, Sendable, Equatable {
    public var kind: LinkErrorKind
    /// What happened, one sentence.
    public var text: String
    /// The address involved (`host:port` of a dial, or the remote host).
    public var address: String
    /// When, Unix ms.
    public var at: UInt64

    public init(kind: LinkErrorKind, text: String, address: String, at: UInt64) {
        self.kind = kind
        self.text = text
        self.address = address
        self.at = at
    }
}

/// What went wrong on a link, as a closed set (Docs/api.md).
public enum LinkErrorKind: String, Codable, Sendable, CaseIterable {
    /// The TCP connection was refused.
    case refused
    /// The TCP connection timed out (dropped by a firewall, or the machine is off).
    case timedOut
    /// The TCP connection failed otherwise.
    case unreachable
    /// Connected, but the handshake did not finish in time.
    case handshakeTimedOut
    /// The colleague refused this device's handshake without a clock hint (another team key, or a replay).
    case handshakeRefused
    /// The colleague refused the handshake for the clock and said its time; dialled again in it.
    case clockHint
    /// Another device answered at the colleague's address.
    case wrongDevice
    /// The link fell silent and was closed.
    case silent
    /// A frame failed authentication on the established link.
    case damaged
    /// Any other bad input or key-schedule failure closed the link.
    case protocolError
}
