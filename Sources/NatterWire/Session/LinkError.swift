/// Why a link refused input. Messages are for logs: they never contain keys or
/// message text, and the remote side is told nothing (the connection just closes).
public enum LinkError: Error, Equatable, CustomStringConvertible {
    case unsupportedVersion(UInt8)
    case unexpectedMessage(UInt8)
    case truncated
    case admissionFailed
    case staleHandshake
    case replayedHandshake
    /// The responder's key is not the one of the device the initiator dialled.
    case unexpectedResponder
    case replayedDatagram
    case handshake(NoiseError)
    case frame(FrameError)
    case notEstablished
    /// A transport message on an established link failed authentication.
    case transportAuthenticationFailed
    /// A datagram failed authentication: forged, damaged, or from an old session.
    case datagramAuthenticationFailed
    /// A datagram arrived from a source over its budget; dropped before any work.
    case datagramRateLimited
    /// The link's keys reached their age or message limit without a rekey.
    case keysExpired
    /// A rekey frame out of turn (§5.8).
    case unexpectedRekey
    /// The responder refused our first message without a clock hint (§4.4.1):
    /// another team, a replay, or its hint budget was spent.
    case refusedByResponder

    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            "a peer speaks natter protocol version \(version); this natter speaks \(WireConstants.protocolVersion) — upgrade the older side"
        case .unexpectedMessage(let type): "a message of type \(type) arrived out of turn"
        case .truncated: "a message was truncated"
        case .admissionFailed:
            "a handshake failed admission: the peer does not hold this team's key (or the message was tampered with)"
        case .staleHandshake:
            "a handshake carried a timestamp outside ±\(WireConstants.handshakeTimestampTolerance.components.seconds) s; check both machines' clocks"
        case .replayedHandshake:
            "a handshake first message was replayed, or written before this natter started; ignored (an honest peer whose clock is behind links when it dials again)"
        case .unexpectedResponder:
            "the device that answered is not the one dialled (an address now used by another member, or a stale record); closed without linking"
        case .replayedDatagram: "a datagram was replayed or is older than the replay window; dropped"
        case .handshake(let error): "the handshake failed: \(error)"
        case .frame(let error): "a frame was malformed: \(error)"
        case .notEstablished: "a frame arrived before the handshake completed"
        case .transportAuthenticationFailed:
            "a frame on an established link failed authentication (damaged or tampered with in transit); the link was dropped and will be re-established"
        case .datagramAuthenticationFailed: "a datagram failed authentication (forged, damaged or from an ended session); dropped"
        case .datagramRateLimited: "a datagram came from a source over its budget of \(WireConstants.datagramsPerSource) per second; dropped"
        case .keysExpired: "the link's keys are too old or used too often and were not replaced in time; the link is closed and will be re-established"
        case .unexpectedRekey: "a rekey frame arrived out of turn; the link is closed and will be re-established"
        case .refusedByResponder:
            "the colleague refused this device's handshake without saying why (another team key, or it is busy); natter dials again"
        }
    }
}
