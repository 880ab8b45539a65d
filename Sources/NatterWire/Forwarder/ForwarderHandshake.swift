import Crypto
import NatterCore

/// The envelope of every message on a TCP connection to a forwarder (inside
/// the same 2-byte length prefix as links), Docs/protocol.md §9:
///
///     version u8 | type u8 | …
///     type 1, hello:   timestamp u64 (Unix ms) | client nonce [16] | tag [16]
///     type 2, welcome: server nonce [16] | tag [16]
///     type 3, sealed:  ChaChaPoly(ForwarderMessage), counter nonce per direction
///     type 4, join:    relay token [32]
///     type 5, joined:  (empty) — from here on the connection is a raw relayed stream
///     type 6, clock hint: time u64 (the forwarder's Unix ms) | tag [16] — a hello refused for its timestamp only
public enum ForwarderEnvelope {
    public enum MessageType: UInt8, Sendable { case hello = 1, welcome = 2, sealed = 3, join = 4, joined = 5, clockHint = 6 }

    static let nonceLength = 16
    static let tagLength = 16

    public static func wrap(_ type: MessageType, _ body: [UInt8]) -> [UInt8] {
        [WireConstants.protocolVersion, type.rawValue] + body
    }

    public static func unwrap(_ message: [UInt8]) throws(ForwarderProtocolError) -> (MessageType, [UInt8]) {
        guard message.count >= 2 else { throw .truncated }
        guard message[0] == WireConstants.protocolVersion else { throw .unsupportedVersion(message[0]) }
        guard let type = MessageType(rawValue: message[1]) else { throw .unexpectedMessage(message[1]) }
        return (type, Array(message[2...]))
    }

    /// The first message on a relay connection: the invitation's token.
    public static func join(token: [UInt8]) -> [UInt8] { wrap(.join, token) }

    /// The forwarder's answer once both members joined.
    public static var joined: [UInt8] { wrap(.joined, []) }
}

public enum ForwarderProtocolError: Error, Equatable, Sendable {
    case truncated
    case unsupportedVersion(UInt8)
    case unexpectedMessage(UInt8)
    /// The hello's or welcome's tag is wrong: not made with this team's `fwd` key.
    case admissionFailed
    /// The hello's timestamp is outside ``WireConstants/handshakeTimestampTolerance``.
    case staleHello
    /// The hello was seen before.
    case replayedHello
    /// A sealed message failed authentication.
    case authenticationFailed
    case message(ForwarderMessageError)
}

/// A member's side of the control connection's handshake: it proves the
/// `fwd` key first (the forwarder answers nothing to anyone else), then
/// checks that the answer was made with the same key.
public struct ForwarderClientHandshake: Sendable {
    public let hello: [UInt8]
    private let key: ForwarderKey
    private let clientNonce: [UInt8]

    public init(key: ForwarderKey, nowMilliseconds: UInt64, nonce: [UInt8]? = nil) {
        self.key = key
        clientNonce = nonce ?? randomBytes(ForwarderEnvelope.nonceLength)
        var body: [UInt8] = []
        FrameCodec.append(nowMilliseconds, to: &body)
        body += clientNonce
        body += ForwarderHandshake.helloTag(body, key: key)
        hello = ForwarderEnvelope.wrap(.hello, body)
    }

    /// The hello's own timestamp (Unix ms, in the clock it was stamped with).
    public var timestamp: UInt64 { hello[2..<10].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    /// The forwarder's time from a clock hint that answers this hello
    /// (Docs/protocol.md §9.3.1); nil when `message` is not one, or its tag
    /// was not made with this key for this very hello.
    public func clockHint(_ message: [UInt8]) -> UInt64? {
        guard let (type, body) = try? ForwarderEnvelope.unwrap(message), type == .clockHint,
            body.count == 8 + ForwarderEnvelope.tagLength
        else { return nil }
        let time = Array(body.prefix(8))
        guard Envelope.constantTimeEqual(Array(body.suffix(ForwarderEnvelope.tagLength)), ForwarderHandshake.clockHintTag(hello: hello, time: time, key: key)) else {
            return nil
        }
        return time.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Checks the forwarder's welcome and derives the channel's keys.
    public func complete(welcome message: [UInt8]) throws(ForwarderProtocolError) -> ForwarderChannel {
        let (type, body) = try ForwarderEnvelope.unwrap(message)
        guard type == .welcome else { throw .unexpectedMessage(type.rawValue) }
        guard body.count == ForwarderEnvelope.nonceLength + ForwarderEnvelope.tagLength else { throw .truncated }
        let serverNonce = Array(body.prefix(ForwarderEnvelope.nonceLength))
        let tag = Array(body.suffix(ForwarderEnvelope.tagLength))
        guard Envelope.constantTimeEqual(tag, ForwarderHandshake.welcomeTag(hello: hello, serverNonce: serverNonce, key: key)) else {
            throw .admissionFailed
        }
        return ForwarderChannel(key: key, clientNonce: clientNonce, serverNonce: serverNonce, isClient: true)
    }
}

/// The forwarder's side: admission before anything is answered.
public enum ForwarderHandshake {
    /// Checks a hello: its tag (constant time), then its timestamp. Returns
    /// the tag, which the caller must look up in its replay cache, and the
    /// client's nonce. Throws, and the caller closes the connection without
    /// a word, for anything else.
    public static func admit(
        _ message: [UInt8], key: ForwarderKey, nowMilliseconds: UInt64
    ) throws(ForwarderProtocolError) -> (tag: [UInt8], clientNonce: [UInt8]) {
        let (type, body) = try ForwarderEnvelope.unwrap(message)
        guard type == .hello else { throw .unexpectedMessage(type.rawValue) }
        guard body.count == 8 + ForwarderEnvelope.nonceLength + ForwarderEnvelope.tagLength else { throw .truncated }
        let signed = Array(body.prefix(8 + ForwarderEnvelope.nonceLength))
        let tag = Array(body.suffix(ForwarderEnvelope.tagLength))
        guard Envelope.constantTimeEqual(tag, helloTag(signed, key: key)) else { throw .admissionFailed }
        let timestamp = signed.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let tolerance = UInt64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds)
        let skew = timestamp > nowMilliseconds ? timestamp - nowMilliseconds : nowMilliseconds - timestamp
        guard skew <= tolerance else { throw .staleHello }
        return (tag, Array(signed.suffix(ForwarderEnvelope.nonceLength)))
    }

    /// The answer to an admitted (and fresh) hello, and the forwarder's end of the channel.
    public static func welcome(
        hello: [UInt8], clientNonce: [UInt8], key: ForwarderKey, serverNonce: [UInt8]? = nil
    ) -> (reply: [UInt8], channel: ForwarderChannel) {
        let nonce = serverNonce ?? randomBytes(ForwarderEnvelope.nonceLength)
        let reply = ForwarderEnvelope.wrap(.welcome, nonce + welcomeTag(hello: hello, serverNonce: nonce, key: key))
        return (reply, ForwarderChannel(key: key, clientNonce: clientNonce, serverNonce: nonce, isClient: false))
    }

    /// The answer to a hello whose tag is right but whose timestamp is not
    /// (``ForwarderProtocolError/staleHello``): this forwarder's time, bound to
    /// that hello (Docs/protocol.md §9.3.1). Two HMACs, no key exchange.
    public static func clockHint(hello: [UInt8], key: ForwarderKey, nowMilliseconds: UInt64) -> [UInt8] {
        var time: [UInt8] = []
        FrameCodec.append(nowMilliseconds, to: &time)
        return ForwarderEnvelope.wrap(.clockHint, time + clockHintTag(hello: hello, time: time, key: key))
    }

    /// A hello's timestamp, read without checking anything (for the log of a refused one).
    public static func timestamp(ofHello message: [UInt8]) -> UInt64? {
        guard message.count >= 10, message[1] == ForwarderEnvelope.MessageType.hello.rawValue else { return nil }
        return message[2..<10].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// `HMAC(fwd, "natter fwd clock" ‖ hello message ‖ time)[:16]`.
    static func clockHintTag(hello: [UInt8], time: [UInt8], key: ForwarderKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("natter fwd clock".utf8) + hello + time, using: key.key).prefix(ForwarderEnvelope.tagLength))
    }

    /// `HMAC(fwd, "natter fwd hello" ‖ timestamp ‖ client nonce)[:16]`.
    static func helloTag(_ signed: [UInt8], key: ForwarderKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("natter fwd hello".utf8) + signed, using: key.key).prefix(ForwarderEnvelope.tagLength))
    }

    /// `HMAC(fwd, "natter fwd welcome" ‖ hello message ‖ server nonce)[:16]`.
    static func welcomeTag(hello: [UInt8], serverNonce: [UInt8], key: ForwarderKey) -> [UInt8] {
        let data = Array("natter fwd welcome".utf8) + hello + serverNonce
        return Array(HMAC<SHA256>.authenticationCode(for: data, using: key.key).prefix(ForwarderEnvelope.tagLength))
    }
}

/// The sealed control channel between a member and a forwarder, after the
/// handshake: ChaCha20-Poly1305 under one key per direction,
/// `HKDF-SHA256(fwd, salt: client nonce ‖ server nonce, info: "natter fwd c2f" | "natter fwd f2c")`,
/// with a counter nonce per direction (TCP keeps the order). An eavesdropper
/// sees sizes and timing, not the directory.
public struct ForwarderChannel: Sendable {
    private var sendCipher: NoiseCipher
    private var receiveCipher: NoiseCipher

    init(key: ForwarderKey, clientNonce: [UInt8], serverNonce: [UInt8], isClient: Bool) {
        func derive(_ info: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: key.key, salt: clientNonce + serverNonce, info: Array(info.utf8), outputByteCount: 32)
        }
        let toForwarder = NoiseCipher(key: derive("natter fwd c2f")), toClient = NoiseCipher(key: derive("natter fwd f2c"))
        sendCipher = isClient ? toForwarder : toClient
        receiveCipher = isClient ? toClient : toForwarder
    }

    static let header = [WireConstants.protocolVersion, ForwarderEnvelope.MessageType.sealed.rawValue]

    public mutating func seal(_ message: ForwarderMessage) -> [UInt8] {
        seal(plaintext: ForwarderMessageCodec.encode(message))
    }

    /// Seals a message already encoded (a directory batch assembled from
    /// encoded changes, ``ForwarderMessageCodec/directoryBatch(count:changes:)``).
    public mutating func seal(plaintext: [UInt8]) -> [UInt8] {
        // 2^64 messages on one connection cannot happen; a reconnect starts afresh.
        let sealed = try! sendCipher.encrypt(plaintext, associatedData: Self.header)
        return Self.header + sealed
    }

    public mutating func open(_ message: [UInt8]) throws(ForwarderProtocolError) -> ForwarderMessage {
        let (type, body) = try ForwarderEnvelope.unwrap(message)
        guard type == .sealed else { throw .unexpectedMessage(type.rawValue) }
        let plaintext: [UInt8]
        do { plaintext = try receiveCipher.decrypt(body, associatedData: Self.header) } catch { throw .authenticationFailed }
        do { return try ForwarderMessageCodec.decode(plaintext) } catch { throw .message(error) }
    }
}

/// A state datagram on its way through a forwarder (Docs/protocol.md §9.4):
///
///     version u8 | type u8 = 6 | relay index u32 | the member's datagram, untouched
///
/// The forwarder finds the relay by its index, checks the source address,
/// and sends the inner datagram on to the other member as it is: it has no
/// key to open it with.
public enum RelayDatagram {
    @usableFromInline static let type: UInt8 = 6
    public static let headerLength = 6

    public static func wrap(_ datagram: [UInt8], relayIndex: UInt32) -> [UInt8] {
        var out: [UInt8] = [WireConstants.protocolVersion, type]
        FrameCodec.append(relayIndex, to: &out)
        return out + datagram
    }

    /// The relay index of a datagram sent to a forwarder; nil for anything else.
    public static func relayIndex(of bytes: some RandomAccessCollection<UInt8>) -> UInt32? {
        guard bytes.count > headerLength, bytes.count <= WireConstants.maximumDatagramBytes + headerLength else { return nil }
        let start = bytes.startIndex
        guard bytes[start] == WireConstants.protocolVersion, bytes[bytes.index(start, offsetBy: 1)] == type else { return nil }
        return bytes.dropFirst(2).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// The same read for the relay's hot path (a `ByteBuffer`'s readable
    /// bytes, or an array's): not generic, so it is not called through
    /// unspecialised witness tables and metadata lookups once per datagram.
    @inlinable
    public static func relayIndex(ofRaw bytes: UnsafeRawBufferPointer) -> UInt32? {
        guard bytes.count > headerLength, bytes.count <= WireConstants.maximumDatagramBytes + headerLength,
            bytes[0] == WireConstants.protocolVersion, bytes[1] == type
        else { return nil }
        return UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5])
    }

    /// ``relayIndex(ofRaw:)`` for an array.
    @inlinable
    public static func relayIndex(of bytes: [UInt8]) -> UInt32? {
        bytes.withUnsafeBytes { relayIndex(ofRaw: $0) }
    }
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}
