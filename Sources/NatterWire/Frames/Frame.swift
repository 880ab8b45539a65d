public import NatterCore

/// One unit of conversation between two linked peers — the patent's "same
/// format, different content": chat messages and state events share the frame
/// layout and the sender's sequence (Docs/protocol.md, "Frames").
public enum Frame: Sendable, Equatable {
    /// A chat message: its time-ordered id, the sender's Unix ms, UTF-8 text.
    case chat(sequence: UInt64, id: MessageID, sentAt: UInt64, text: String)
    /// A session-state event and the window (source) it came from.
    case state(sequence: UInt64, state: SessionState, source: UInt32)
    /// "Stored durably": the receipt for a chat message.
    case ack(sequence: UInt64, id: MessageID)
    /// Keeps the link's liveness timer fed.
    case keepalive(sequence: UInt64)
    /// The sender is closing the link on purpose.
    case goodbye(sequence: UInt64)
    /// First frame each way after the handshake: who I am to humans, and where
    /// my datagrams come from.
    case hello(sequence: UInt64, name: String, udpPort: UInt16, datagramIndex: UInt32)
    /// A frame of a group or a broadcast (kinds 9–12, Docs/protocol.md §5.9).
    /// Send one only to a peer that announced ``PeerFeatures/groups``.
    case group(sequence: UInt64, GroupFrame)
    /// What the peer's natter understands beyond the first version-2 frames;
    /// sent once, right after the hello, with sequence 0.
    case features(PeerFeatures)
    /// The UDP path check (Docs/protocol.md §6.5): a datagram only, sent to a
    /// peer that announced ``PeerFeatures/udpEcho``; sequence 0.
    case echo(UDPEcho)
    /// This user's presence status (available, away, busy), sent on the link
    /// right after the peer's features frame and at every change, to a peer
    /// that announced ``PeerFeatures/presence``; sequence 0. The link carries
    /// it because mDNS resolvers are closed once they answer (§3): a TXT
    /// update in place would reach nobody.
    case presence(PresenceStatus)

    public var sequence: UInt64 {
        switch self {
        case .chat(let sequence, _, _, _), .state(let sequence, _, _), .ack(let sequence, _), .keepalive(let sequence),
            .goodbye(let sequence), .hello(let sequence, _, _, _), .group(let sequence, _):
            sequence
        case .features, .echo, .presence:
            0
        }
    }

    /// Whether the frame may travel as a datagram: session states only (§6).
    public var travelsAsDatagram: Bool {
        switch self {
        case .state, .group(_, .state): true
        default: false
        }
    }
}

/// An echo request or its reply: a 32-bit nonce, the reply carrying the
/// request's, so a round trip over the link's datagram keys is measured.
public enum UDPEcho: Sendable, Equatable {
    case request(nonce: UInt32)
    case reply(nonce: UInt32)
}

/// Frames that keep the link itself going rather than the conversation: the
/// rekey exchange (Docs/protocol.md §5.8). They carry sequence 0, travel only
/// in the stream, and ``SecureSession`` consumes them.
public enum LinkControl: Sendable, Equatable {
    /// A fresh ephemeral X25519 public key and the sender's receiver index for
    /// the next epoch's datagrams: from the dialler it asks for a rekey, from
    /// the other side it answers (and is its last frame under the old key).
    case rekey(ephemeral: [UInt8], datagramIndex: UInt32)
    /// The dialler's last frame under the old key.
    case rekeyDone
}

/// Whatever one transport message carries.
public enum TransportMessage: Sendable, Equatable {
    case frame(Frame)
    case control(LinkControl)
}

/// Why bytes are not a frame. Each is dropped with one log line; none is fatal.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case truncated
    case oversized(Int)
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    case invalidField(String)
    /// A well-formed state frame with a state code this version does not know.
    /// Not a reason to drop the link: a newer peer may add states.
    case unknownState(UInt8)

    public var description: String {
        switch self {
        case .truncated: "the frame is truncated"
        case .oversized(let size): "the frame is \(size) bytes, over the limit of \(WireConstants.maximumFrameBytes)"
        case .unsupportedVersion(let version): "the frame has protocol version \(version); this natter speaks \(WireConstants.protocolVersion)"
        case .unknownKind(let kind): "unknown frame kind \(kind)"
        case .invalidField(let field): "the frame's \(field) is invalid"
        case .unknownState(let code): "a state frame carries state \(code), which this natter does not know (a newer peer?)"
        }
    }
}
