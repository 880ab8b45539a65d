public import Crypto
import Foundation
public import NatterCore

/// The envelope around every message on a natter TCP link (inside the 2-byte
/// length prefix), Docs/protocol.md:
///
///     version u8 | type u8 | …
///     type 1, handshake 1: timestamp u64 (Unix ms) | admit tag [16] | Noise message 1
///     type 2, handshake 2: admit tag [16] | Noise message 2
///     type 3, handshake 3: Noise message 3
///     type 4, transport:   Noise transport message (an encrypted frame)
///     type 5, clock hint:  masked time u64 | tag [16] (``ClockHint``), then the responder closes
///
/// The admit tags are checked before any Diffie-Hellman: a stranger without
/// the team key costs the responder one HMAC and learns nothing.
public enum Envelope {
    public enum MessageType: UInt8 {
        case handshake1 = 1, handshake2 = 2, handshake3 = 3, transport = 4
        /// A refused first message's answer: a clock hint or a decoy (``ClockHint``).
        case clockHint = 5
    }

    static let tagLength = 16

    /// The 32 bytes a first message is bound to: the responder's full
    /// fingerprint, or all zeros when the initiator dials an address without
    /// knowing who answers (a static peer, Docs/protocol.md §4.3). No device has
    /// the zero fingerprint (it would need a SHA-256 preimage of zero).
    static func binding(_ responder: DeviceFingerprint?) -> [UInt8] {
        responder?.bytes ?? [UInt8](repeating: 0, count: DeviceFingerprint.byteCount)
    }

    /// `HMAC(admit, noise1 ‖ timestamp ‖ responder[32])[:16]`: a first message
    /// admits its sender to the one responder it names (nil: unbound, any member).
    public static func firstTag(_ noise: [UInt8], timestamp: UInt64, responder: DeviceFingerprint?, admit: SymmetricKey) -> [UInt8] {
        var data = noise
        FrameCodec.append(timestamp, to: &data)
        data += binding(responder)
        return Array(HMAC<SHA256>.authenticationCode(for: data, using: admit).prefix(tagLength))
    }

    /// `HMAC(admit, message1 ‖ noise2)[:16]`, binding the answer to the question.
    public static func secondTag(firstMessage: [UInt8], noise: [UInt8], admit: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: firstMessage + noise, using: admit).prefix(tagLength))
    }

    public static func wrap(_ type: MessageType, _ body: [UInt8]) -> [UInt8] {
        [WireConstants.protocolVersion, type.rawValue] + body
    }

    /// Splits the envelope; throws on a wrong version or unknown type.
    public static func unwrap(_ message: [UInt8]) throws(LinkError) -> (MessageType, [UInt8]) {
        guard message.count >= 2 else { throw .truncated }
        guard message[0] == WireConstants.protocolVersion else { throw .unsupportedVersion(message[0]) }
        guard let type = MessageType(rawValue: message[1]) else { throw .unexpectedMessage(message[1]) }
        return (type, Array(message[2...]))
    }

    /// The timestamp of a handshake-1 envelope (the whole message), unchecked; nil when too short.
    public static func firstTimestamp(_ message: [UInt8]) -> UInt64? {
        guard message.count >= 10 else { return nil }
        return message[2..<10].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// A first message that passed admission.
    public struct Admitted: Sendable, Equatable {
        /// Its admit tag, for the replay cache.
        public let tag: [UInt8]
        /// The initiator's clock when it wrote the message, Unix ms.
        public let timestamp: UInt64
        /// The Noise message 1.
        public let noise: [UInt8]
        /// True when the tag names this responder; false for an unbound
        /// message (a dial by address, Docs/protocol.md §4.3).
        public let bound: Bool

        public init(tag: [UInt8], timestamp: UInt64, noise: [UInt8], bound: Bool) {
            self.tag = tag
            self.timestamp = timestamp
            self.noise = noise
            self.bound = bound
        }
    }

    /// Checks a first handshake message's admission before any key work: the
    /// tag, bound to `responder` or unbound (at most two HMACs), then the
    /// timestamp against the clock (±``WireConstants/handshakeTimestampTolerance``).
    /// The replay checks come after, with the caller's cache.
    public static func admitFirst(
        _ body: [UInt8], admit: SymmetricKey, responder: DeviceFingerprint, nowMilliseconds: UInt64
    ) throws(LinkError) -> Admitted {
        guard body.count >= 8 + tagLength + 32 else { throw .truncated }
        let timestamp = body.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let tag = Array(body[8..<8 + tagLength])
        let noise = Array(body[(8 + tagLength)...])
        let bound: Bool
        if constantTimeEqual(tag, firstTag(noise, timestamp: timestamp, responder: responder, admit: admit)) {
            bound = true
        } else if constantTimeEqual(tag, firstTag(noise, timestamp: timestamp, responder: nil, admit: admit)) {
            bound = false
        } else {
            throw .admissionFailed
        }
        let tolerance = UInt64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds)
        let skew = timestamp > nowMilliseconds ? timestamp - nowMilliseconds : nowMilliseconds - timestamp
        guard skew <= tolerance else { throw .staleHandshake }
        return Admitted(tag: tag, timestamp: timestamp, noise: noise, bound: bound)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Refuses every admitted first message a second time, across restarts, in
/// bounded memory (Docs/protocol.md §4.4 step 6).
///
/// Two parts: a **floor**, below which every timestamp is refused, and the
/// tags seen at or above it. The floor starts at the process's start (wall
/// clock), so nothing written before a restart is accepted after it — the
/// in-memory tags are lost, but so is everything they guarded. When the cache
/// is full of tags still inside the timestamp tolerance, the oldest is evicted
/// and the floor rises past it, so an evicted tag is still refused: memory is
/// bounded without reopening a replay.
public struct HandshakeReplayCache: Sendable {
    private var seen: [[UInt8]: UInt64] = [:]
    private let capacity: Int
    /// Timestamps (Unix ms) below this are refused.
    public private(set) var floor: UInt64

    /// - Parameters:
    ///   - floorMilliseconds: refuse messages written before this time (Unix
    ///     ms): the responder's start, so replays cannot outlive a restart.
    public init(capacity: Int = WireConstants.handshakeReplayCacheSize, floorMilliseconds: UInt64 = 0) {
        self.capacity = capacity
        floor = floorMilliseconds
    }

    /// How many tags are held now (never above the capacity).
    public var count: Int { seen.count }

    /// Records `tag`, written at `timestamp`; false if it is a replay: seen
    /// before, or older than the floor.
    /// - Parameter nowMilliseconds: the time now, to forget tags past the tolerance (they are refused as stale anyway).
    public mutating func insert(_ tag: [UInt8], timestamp: UInt64, nowMilliseconds: UInt64) -> Bool {
        guard timestamp >= floor, seen[tag] == nil else { return false }
        if seen.count >= capacity {
            let tolerance = UInt64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds)
            let expired = nowMilliseconds > tolerance ? nowMilliseconds - tolerance : 0
            seen = seen.filter { $0.value >= expired }
            if seen.count >= capacity, let oldest = seen.values.min() {
                floor = oldest + 1
                seen = seen.filter { $0.value >= floor }
                guard timestamp >= floor else { return false }
            }
        }
        seen[tag] = timestamp
        return true
    }
}
