/// RFC 4648 base32 without padding, the alphabet people can read aloud and type:
/// no lowercase, no `0`/`1`/`8` to confuse with `O`/`I`/`B`.
///
/// Used for device fingerprints and team codes, where a human compares or copies
/// the text. Decoding accepts lowercase and ignores spaces and dashes, so
/// "abcd-efgh" and "ABCD EFGH" are the same input.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Encodes `bytes`; the output has `ceil(8 * count / 5)` characters.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
        }
        if bits > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes text made by ``encode(_:)``; `nil` if any character is outside
    /// the alphabet. Trailing bits that do not fill a byte are dropped.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for scalar in text.uppercased().utf8 {
            if scalar == UInt8(ascii: " ") || scalar == UInt8(ascii: "-") { continue }
            guard let value = alphabet.firstIndex(of: scalar) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return output
    }

    /// Upper-cases and strips spaces and dashes: the form in which two
    /// human-typed codes or fingerprint prefixes are compared.
    public static func normalize(_ text: String) -> String {
        String(text.uppercased().filter { $0 != " " && $0 != "-" })
    }
}
