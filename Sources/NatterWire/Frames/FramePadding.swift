/// Pads a frame inside the encryption to one of a few fixed sizes, so the
/// length a stranger sees on the wire says neither which kind of frame it is
/// nor how long a message is (Docs/protocol.md §5.3, "Padding"):
///
///     length u16 | frame [length] | zero bytes up to the bucket
///
/// The padded size is the smallest of ``buckets`` that holds `2 + length`.
/// Every frame of 62 bytes or less — state, keepalive, ack, goodbye, rekey,
/// a chat of up to 28 bytes of text — is 64 bytes padded, so they look alike.
public enum FramePadding {
    /// Padded plaintext sizes: powers of two from 64 (one size for every
    /// control frame and state) to 32 KiB, so padding at most doubles a frame
    /// (on average it adds about a third), then the largest frame. A text over 16 KiB is
    /// refused by receivers anyway (§5.3), so the last bucket is only for
    /// frames a conforming sender never sends.
    public static let buckets: [Int] = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16_384, 32_768, lengthFieldBytes + WireConstants.maximumFrameBytes]
    static let lengthFieldBytes = 2

    /// The padded size for a frame of `frameBytes` bytes (at most ``WireConstants/maximumFrameBytes``).
    public static func paddedSize(ofFrame frameBytes: Int) -> Int {
        let needed = lengthFieldBytes + frameBytes
        return buckets.first { $0 >= needed } ?? needed
    }

    /// `frame` with its length in front and zero bytes up to its bucket.
    public static func pad(_ frame: [UInt8]) -> [UInt8] {
        var padded: [UInt8] = []
        padded.reserveCapacity(paddedSize(ofFrame: frame.count))
        FrameCodec.append(UInt16(truncatingIfNeeded: frame.count), to: &padded)
        padded += frame
        padded += [UInt8](repeating: 0, count: paddedSize(ofFrame: frame.count) - padded.count)
        return padded
    }

    /// The frame inside a padded plaintext. The length must fit, and every
    /// padding byte must be zero: nothing can ride along unseen in the padding.
    /// Any size is accepted, not only a bucket, so buckets may change without a new version.
    public static func unpad(_ plaintext: [UInt8]) throws(FrameError) -> [UInt8] {
        guard plaintext.count >= lengthFieldBytes else { throw .truncated }
        let length = Int(plaintext[0]) << 8 | Int(plaintext[1])
        guard length <= plaintext.count - lengthFieldBytes else { throw .truncated }
        let end = lengthFieldBytes + length
        guard plaintext[end...].allSatisfy({ $0 == 0 }) else { throw .invalidField("padding") }
        return Array(plaintext[lengthFieldBytes..<end])
    }
}
