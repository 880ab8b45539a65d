public import Crypto
import Foundation
import NatterCore

/// The envelope around every message on a natter TCP link (inside the 2-byte
/// length prefix), Docs/protocol.md:
///
///     version u8 | type u8 | …
///     type 1, handshake 1: timestamp u64 (Unix ms) | admit tag [16] | Noise message 1
///     type 2, handshake 2: admit tag [16] | Noise message 2
///     type 3, handshake 3: Noise message 3
///     type 4, transport:   Noise transport message (an encrypted frame)
///
/// The admit tags are checked before any Diffie-Hellman: a stranger without
/// the team key costs the responder one HMAC and learns nothing.
public enum Envelope {
    public enum MessageType: UInt8 { case handshake1 = 1, handshake2 = 2, handshake3 = 3, transport = 4 }

    static let tagLength = 16

    /// `HMAC(admit, noise1 ‖ timestamp)[:16]`.
    public static func firstTag(_ noise: [UInt8], timestamp: UInt64, admit: SymmetricKey) -> [UInt8] {
        var data = noise
        FrameCodec.append(timestamp, to: &data)
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

    /// Checks a first handshake message's admission before any key work.
    /// - Returns: the admit tag (for the replay cache) and the Noise message.
    public static func admitFirst(_ body: [UInt8], admit: SymmetricKey, nowMilliseconds: UInt64) throws(LinkError) -> (tag: [UInt8], noise: [UInt8]) {
        guard body.count >= 8 + tagLength + 32 else { throw .truncated }
        let timestamp = body.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let tag = Array(body[8..<8 + tagLength])
        let noise = Array(body[(8 + tagLength)...])
        guard constantTimeEqual(tag, firstTag(noise, timestamp: timestamp, admit: admit)) else { throw .admissionFailed }
        let tolerance = UInt64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds)
        let skew = timestamp > nowMilliseconds ? timestamp - nowMilliseconds : nowMilliseconds - timestamp
        guard skew <= tolerance else { throw .staleHandshake }
        return (tag, noise)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Remembers recent first-message tags so a captured message 1 cannot be
/// replayed within the timestamp tolerance. Bounded: the oldest entries go first.
public struct HandshakeReplayCache: Sendable {
    private var seen: Set<[UInt8]> = []
    private var order: [[UInt8]] = []
    private let capacity: Int

    public init(capacity: Int = WireConstants.handshakeReplayCacheSize) {
        self.capacity = capacity
    }

    /// Records `tag`; false if it was already there (a replay).
    public mutating func insert(_ tag: [UInt8]) -> Bool {
        guard seen.insert(tag).inserted else { return false }
        order.append(tag)
        if order.count > capacity {
            seen.remove(order.removeFirst())
        }
        return true
    }
}
