public import Crypto

/// State events over UDP (Docs/protocol.md, "Datagrams"):
///
///     version u8 | type u8 = 5 | receiver index u32 | counter u64 | ChaChaPoly(padded frame)
///
/// The frame is padded as in the stream (``FramePadding``): a state datagram
/// is 14 + 64 + 16 = 94 bytes whatever it says.
/// The counter is the explicit nonce; the header is authenticated as
/// associated data. The receiver index (announced in the peer's hello frame)
/// finds the session without trying every key.
public enum DatagramCodec {
    static let type: UInt8 = 5
    static let headerLength = 14

    public static func seal(_ frame: Frame, receiverIndex: UInt32, counter: UInt64, key: SymmetricKey) -> [UInt8] {
        var header: [UInt8] = [WireConstants.protocolVersion, type]
        FrameCodec.append(receiverIndex, to: &header)
        FrameCodec.append(counter, to: &header)
        return header + NoiseCipher.seal(FramePadding.pad(FrameCodec.encode(frame)), key: key, nonce: counter, associatedData: header)
    }

    /// The receiver index, to look up the session, before any crypto.
    public static func receiverIndex(of datagram: [UInt8]) throws(LinkError) -> UInt32 {
        guard datagram.count >= headerLength + NoiseCipher.tagLength, datagram.count <= WireConstants.maximumDatagramBytes else {
            throw .truncated
        }
        guard datagram[0] == WireConstants.protocolVersion else { throw .unsupportedVersion(datagram[0]) }
        guard datagram[1] == type else { throw .unexpectedMessage(datagram[1]) }
        return datagram[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Authenticates and decodes; the replay window is consulted before
    /// decryption and updated only after authentication succeeded.
    public static func open(_ datagram: [UInt8], key: SymmetricKey, window: inout ReplayWindow) throws(LinkError) -> Frame {
        _ = try receiverIndex(of: datagram)
        let counter = datagram[6..<14].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard window.check(counter) else { throw .replayedDatagram }
        let plaintext: [UInt8]
        do {
            plaintext = try NoiseCipher.open(datagram[headerLength...], key: key, nonce: counter, associatedData: Array(datagram[..<headerLength]))
        } catch {
            throw .datagramAuthenticationFailed
        }
        window.accept(counter)
        do {
            return try FrameCodec.decode(FramePadding.unpad(plaintext))
        } catch {
            throw .frame(error)
        }
    }
}
