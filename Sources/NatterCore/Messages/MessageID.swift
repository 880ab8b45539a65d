/// A message's identity: unique across devices, and ordered by creation time so
/// history sorts without a central clock.
///
/// The layout follows UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then
/// 80 random bits. Two devices can create ids in the same millisecond; the random
/// tail keeps them apart, and redelivery is recognised by the id alone.
public struct MessageID: HexIdentifier {
    public static let byteCount = 16
    public static let noun = "message id"

    public let bytes: [UInt8]

    /// Wraps existing bytes, e.g. from a frame or the store.
    /// Returns nil unless there are exactly ``byteCount`` bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Makes a new id for a message created at `unixMilliseconds`, with the
    /// random tail taken from `generator` (injectable so tests are reproducible).
    public init(unixMilliseconds: UInt64, using generator: inout some RandomNumberGenerator) {
        var bytes = [UInt8](repeating: 0, count: Self.byteCount)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: unixMilliseconds >> (8 * (5 - index)))
        }
        for index in 6..<Self.byteCount {
            bytes[index] = UInt8.random(in: .min ... .max, using: &generator)
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        self.bytes = bytes
    }

    /// The creation time encoded in the id, in Unix milliseconds.
    public var unixMilliseconds: UInt64 {
        bytes.prefix(6).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
