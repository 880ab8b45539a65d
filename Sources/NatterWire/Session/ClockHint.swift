public import Crypto
import Foundation

/// The answer a responder writes, before closing, to a first message it
/// refuses at admission (Docs/protocol.md §4.4.1):
///
///     version u8 | type u8 = 5 | masked time u64 | tag [16]        (26 bytes)
///
/// For an admitted first message whose only fault is its timestamp, it is a
/// **clock hint**: the responder's wall clock `t` (Unix ms), masked with
/// `HMAC(admit, "natter clock hint" ‖ message1)[:8]` and authenticated by
/// `HMAC(admit, message1 ‖ t)[:16]`, so only the initiator that wrote that
/// message 1 can read or trust it, and it says nothing to anyone else. For
/// every other refusal (a stranger's tag, a replay, a hint over its budget)
/// the 24 bytes after the header are random: without the `admit` key the two
/// cannot be told apart, so a captured message 1 replayed later cannot ask
/// "are you the device it was bound to?". No DH either way.
public enum ClockHint {
    static let maskLabel = Array("natter clock hint".utf8)
    /// Masked time and tag, after the 2-byte header.
    public static let bodyLength = 8 + 16

    /// The clock hint for `firstMessage` (the whole handshake-1 envelope), at
    /// the responder's time `responderMilliseconds`.
    public static func hint(answering firstMessage: [UInt8], responderMilliseconds: UInt64, admit: SymmetricKey) -> [UInt8] {
        var time: [UInt8] = []
        FrameCodec.append(responderMilliseconds, to: &time)
        let masked = zip(time, mask(firstMessage, admit: admit)).map { $0 ^ $1 }
        return Envelope.wrap(.clockHint, masked + tag(firstMessage, time: time, admit: admit))
    }

    /// The answer to every other refused first message: as long as a hint, random.
    public static func decoy() -> [UInt8] {
        Envelope.wrap(.clockHint, (0..<bodyLength).map { _ in UInt8.random(in: 0...255) })
    }

    /// The responder's time from a hint answering `firstMessage`; nil for a
    /// decoy, a hint for another message, or anything malformed.
    public static func read(_ body: [UInt8], answering firstMessage: [UInt8], admit: SymmetricKey) -> UInt64? {
        guard body.count == bodyLength else { return nil }
        let time = zip(body.prefix(8), mask(firstMessage, admit: admit)).map { $0 ^ $1 }
        guard Envelope.constantTimeEqual(Array(body.suffix(16)), tag(firstMessage, time: time, admit: admit)) else { return nil }
        return time.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    static func mask(_ firstMessage: [UInt8], admit: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: maskLabel + firstMessage, using: admit).prefix(8))
    }

    static func tag(_ firstMessage: [UInt8], time: [UInt8], admit: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: firstMessage + time, using: admit).prefix(Envelope.tagLength))
    }
}
