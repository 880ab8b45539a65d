import NatterCore
/// Encodes and decodes ``Frame``s. Layout (big-endian), Docs/protocol.md:
///
///     version u8 | kind u8 | sequence u64 | body
///     chat:      id [16] | sentAt u64 | text (rest, UTF-8; bounded by the frame,
///                the daemon refuses — and acknowledges — texts over 16 KiB)
///     state:     code u8 | source u32
///     ack:       id [16]
///     keepalive, goodbye: empty
///     hello:     udpPort u16 | datagramIndex u32 | name (rest, UTF-8, ≤ 64 bytes)
///     rekey:     ephemeral [32] | datagramIndex u32 (non-zero)   — a ``LinkControl``
///     rekeyDone: empty                                           — a ``LinkControl``
///     kinds 9–12 (groups, broadcast) and the features announcement: GroupFrameCodec.swift
///     echo (§6.5): a state frame, sequence 0, code 0x81 (request) or 0x82 (reply), source = nonce u32
///     presence (§5.3): a state frame, sequence 0, code 0x83, source = the status code u32
///
/// Frames travel padded (``FramePadding``); this codec sees them unpadded.
/// The decoder never traps: every length is checked and anything malformed
/// throws ``FrameError``.
public enum FrameCodec {
    enum Kind: UInt8 {
        case chat = 1, state = 2, ack = 3, keepalive = 4, goodbye = 5, hello = 6, rekey = 7, rekeyDone = 8
        case groupMessage = 9, groupChange = 10, groupState = 11, broadcast = 12
    }

    /// A rekey frame's ephemeral public key (X25519).
    public static let ephemeralKeyLength = 32


    public static func encode(_ frame: Frame) -> [UInt8] {
        var bytes: [UInt8] = [WireConstants.protocolVersion]
        switch frame {
        case .chat(let sequence, let id, let sentAt, let text):
            bytes.append(Kind.chat.rawValue)
            append(sequence, to: &bytes)
            bytes += id.bytes
            append(sentAt, to: &bytes)
            bytes += Array(text.utf8)
        case .state(let sequence, let state, let source):
            bytes.append(Kind.state.rawValue)
            append(sequence, to: &bytes)
            bytes.append(state.code)
            append(source, to: &bytes)
        case .ack(let sequence, let id):
            bytes.append(Kind.ack.rawValue)
            append(sequence, to: &bytes)
            bytes += id.bytes
        case .keepalive(let sequence):
            bytes.append(Kind.keepalive.rawValue)
            append(sequence, to: &bytes)
        case .goodbye(let sequence):
            bytes.append(Kind.goodbye.rawValue)
            append(sequence, to: &bytes)
        case .hello(let sequence, let name, let udpPort, let index):
            bytes.append(Kind.hello.rawValue)
            append(sequence, to: &bytes)
            append(udpPort, to: &bytes)
            append(index, to: &bytes)
            bytes += Array(name.prefix(utf8Bytes: WireConstants.maximumNameBytes).utf8)
        case .group(let sequence, let group):
            bytes.append(groupKind(of: group).rawValue)
            append(sequence, to: &bytes)
            encodeGroup(group, into: &bytes)
        case .features(let features):
            bytes.append(Kind.state.rawValue)
            append(UInt64(0), to: &bytes)
            bytes.append(featuresStateCode)
            append(features.rawValue, to: &bytes)
        case .echo(let echo):
            bytes.append(Kind.state.rawValue)
            append(UInt64(0), to: &bytes)
            switch echo {
            case .request(let nonce):
                bytes.append(echoRequestStateCode)
                append(nonce, to: &bytes)
            case .reply(let nonce):
                bytes.append(echoReplyStateCode)
                append(nonce, to: &bytes)
            }
        case .presence(let status):
            bytes.append(Kind.state.rawValue)
            append(UInt64(0), to: &bytes)
            bytes.append(presenceStateCode)
            append(UInt32(status.code), to: &bytes)
        }
        return bytes
    }

    /// A link-control frame (sequence 0): the rekey exchange of §5.8, which
    /// ``SecureSession`` handles itself and never hands to the daemon.
    public static func encode(_ control: LinkControl) -> [UInt8] {
        var bytes: [UInt8] = [WireConstants.protocolVersion]
        switch control {
        case .rekey(let ephemeral, let index):
            bytes.append(Kind.rekey.rawValue)
            append(UInt64(0), to: &bytes)
            bytes += ephemeral
            append(index, to: &bytes)
        case .rekeyDone:
            bytes.append(Kind.rekeyDone.rawValue)
            append(UInt64(0), to: &bytes)
        }
        return bytes
    }

    /// A conversation frame only: a link-control kind here is an error
    /// (datagrams never carry one).
    public static func decode(_ bytes: [UInt8]) throws(FrameError) -> Frame {
        switch try decodeMessage(bytes) {
        case .frame(let frame): return frame
        case .control: throw .unknownKind(bytes[1])
        }
    }

    /// Any frame a link's stream may carry: a conversation frame or a link-control frame.
    public static func decodeMessage(_ bytes: [UInt8]) throws(FrameError) -> TransportMessage {
        guard bytes.count <= WireConstants.maximumFrameBytes else { throw .oversized(bytes.count) }
        var reader = ByteReader(bytes)
        let version = try reader.byte()
        guard version == WireConstants.protocolVersion else { throw .unsupportedVersion(version) }
        let rawKind = try reader.byte()
        guard let kind = Kind(rawValue: rawKind) else { throw .unknownKind(rawKind) }
        let sequence = try reader.uint64()
        let frame: Frame
        switch kind {
        case .rekey:
            let ephemeral = try reader.bytes(ephemeralKeyLength)
            let index = try reader.uint32()
            guard index != 0 else { throw .invalidField("datagram index") }
            guard reader.isAtEnd else { throw .invalidField("trailing bytes") }
            return .control(.rekey(ephemeral: ephemeral, datagramIndex: index))
        case .rekeyDone:
            guard reader.isAtEnd else { throw .invalidField("trailing bytes") }
            return .control(.rekeyDone)
        case .chat:
            let id = try reader.messageID()
            let sentAt = try reader.uint64()
            let text = reader.rest()
            guard let string = String(validating: text, as: UTF8.self) else { throw .invalidField("text encoding") }
            frame = .chat(sequence: sequence, id: id, sentAt: sentAt, text: string)
        case .state:
            let code = try reader.byte()
            let source = try reader.uint32()
            guard reader.isAtEnd else { throw .invalidField("trailing bytes") }
            if code == featuresStateCode { return .frame(.features(PeerFeatures(rawValue: source))) }
            if code == echoRequestStateCode { return .frame(.echo(.request(nonce: source))) }
            if code == echoReplyStateCode { return .frame(.echo(.reply(nonce: source))) }
            if code == presenceStateCode {
                // A status this natter does not know is skipped like an unknown state: a newer peer may add one.
                guard source <= UInt32(UInt8.max), let status = PresenceStatus(code: UInt8(source)) else { throw .unknownState(code) }
                return .frame(.presence(status))
            }
            guard let state = SessionState(code: code) else { throw .unknownState(code) }
            frame = .state(sequence: sequence, state: state, source: source)
        case .ack:
            frame = .ack(sequence: sequence, id: try reader.messageID())
        case .keepalive:
            frame = .keepalive(sequence: sequence)
        case .goodbye:
            frame = .goodbye(sequence: sequence)
        case .hello:
            let port = try reader.uint16()
            let index = try reader.uint32()
            let name = reader.rest()
            guard name.count <= WireConstants.maximumNameBytes, let string = String(validating: name, as: UTF8.self) else {
                throw .invalidField("name")
            }
            frame = .hello(sequence: sequence, name: string, udpPort: port, datagramIndex: index)
        case .groupMessage, .groupChange, .groupState, .broadcast:
            frame = .group(sequence: sequence, try decodeGroup(kind, from: &reader))
        }
        guard reader.isAtEnd else { throw .invalidField("trailing bytes") }
        return .frame(frame)
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }
}

/// Reads big-endian fields from bytes, throwing instead of trapping.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() throws(FrameError) -> UInt8 { try bytes(1)[0] }

    mutating func bytes(_ count: Int) throws(FrameError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func messageID() throws(FrameError) -> MessageID {
        // Exactly `MessageID.byteCount` bytes, so the initialiser cannot fail.
        MessageID(bytes: try bytes(MessageID.byteCount))!
    }

    mutating func uint16() throws(FrameError) -> UInt16 { UInt16(try integer(2)) }
    mutating func uint32() throws(FrameError) -> UInt32 { UInt32(try integer(4)) }
    mutating func uint64() throws(FrameError) -> UInt64 { try integer(8) }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    private mutating func integer(_ width: Int) throws(FrameError) -> UInt64 {
        try bytes(width).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
