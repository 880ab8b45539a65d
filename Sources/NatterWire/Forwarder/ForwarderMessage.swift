/// A member as the forwarder's directory holds it. Everything in it is
/// either public already (addresses, ports) or opaque to the forwarder: the
/// keyed fingerprint is `HMAC(tag, fingerprint)` and the record is sealed
/// with `seal`, neither of which the forwarder's key can make or open.
public struct DirectoryEntry: Sendable, Equatable, Hashable {
    public static let keyedFingerprintLength = 16
    public static let maximumAddresses = 8
    public static let maximumSealedRecordBytes = 256

    /// How members name each other to the forwarder (16 bytes).
    public var keyedFingerprint: [UInt8]
    /// Where the member takes links, best first. The forwarder puts the
    /// address it saw the registration come from in front.
    public var addresses: [String]
    public var tcpPort: UInt16
    public var udpPort: UInt16
    /// The member's sealed name, status and fingerprint (Docs/protocol.md §5).
    public var sealedRecord: [UInt8]

    public init(keyedFingerprint: [UInt8], addresses: [String], tcpPort: UInt16, udpPort: UInt16, sealedRecord: [UInt8]) {
        self.keyedFingerprint = keyedFingerprint
        self.addresses = addresses
        self.tcpPort = tcpPort
        self.udpPort = udpPort
        self.sealedRecord = sealedRecord
    }
}

/// Why the forwarder would not set up a relay.
public enum RelayRefusal: UInt8, Sendable, Equatable {
    /// The target is not registered (or never was): nothing to relay to.
    case notRegistered = 1
    /// The requester asked for too many relays too quickly.
    case rateLimited = 2
    /// The forwarder holds as many relays as it is configured to.
    case capacity = 3
}

/// An offer to join a relayed link, sent to both members of it.
public struct RelayInvitation: Sendable, Equatable {
    public static let tokenLength = 32
    /// The request this answers; 0 on the invited side.
    public var requestID: UInt32
    /// The other member's keyed fingerprint.
    public var peer: [UInt8]
    /// Presented once on a new connection to join the relay (single use, short-lived).
    public var token: [UInt8]
    /// This side runs the Noise initiator on the relayed stream (the requester does).
    public var initiator: Bool
    /// Prefix for this side's state datagrams sent through the forwarder.
    public var datagramIndex: UInt32

    public init(requestID: UInt32, peer: [UInt8], token: [UInt8], initiator: Bool, datagramIndex: UInt32) {
        self.requestID = requestID
        self.peer = peer
        self.token = token
        self.initiator = initiator
        self.datagramIndex = datagramIndex
    }
}

/// What a member asks of a forwarder when it registers (Docs/protocol.md
/// §9.3, type 11). A forwarder ignores the bits it does not know, so a
/// member can ask for more without first learning what the forwarder has.
public struct ForwarderFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Send the directory and its changes as ``ForwarderMessage/directory(_:)``
    /// batches: registering n members then costs about n²/500 sealed
    /// messages instead of n², which is what lets 10,000 members register.
    public static let directoryBatches = ForwarderFeatures(rawValue: 1)
}

/// One change to the directory a member mirrors: what `peer` and `peerGone`
/// say one at a time, carried many to a ``ForwarderMessage/directory(_:)``.
public enum DirectoryChange: Sendable, Equatable {
    case peer(DirectoryEntry)
    case peerGone(keyedFingerprint: [UInt8])
}

/// What travels sealed on a member's control connection to a forwarder
/// (Docs/protocol.md §9). C→F: register, registerWithFeatures, relayRequest,
/// keepalive, goodbye. F→C: registered, peer, peerGone, directory,
/// directoryComplete, relayInvitation, relayRefused, keepalive.
public enum ForwarderMessage: Sendable, Equatable {
    case register(DirectoryEntry)
    /// A registration that asks for ``ForwarderFeatures``; an older
    /// forwarder closes the connection on it (unknown type).
    case registerWithFeatures(DirectoryEntry, ForwarderFeatures)
    case registered(observedAddress: String, relayUDPPort: UInt16)
    case peer(DirectoryEntry)
    case peerGone(keyedFingerprint: [UInt8])
    case directoryComplete
    /// Changes to the directory, in order, for a member that asked for
    /// ``ForwarderFeatures/directoryBatches``.
    case directory([DirectoryChange])
    case relayRequest(id: UInt32, target: [UInt8])
    case relayInvitation(RelayInvitation)
    case relayRefused(id: UInt32, reason: RelayRefusal)
    case keepalive
    case goodbye
}

public enum ForwarderMessageError: Error, Equatable, Sendable {
    case truncated
    case unknownType(UInt8)
    case invalidField(String)
}

/// The plaintext codec of ``ForwarderMessage``: `type u8 | fields`, every
/// integer big-endian, every string `length u8 | UTF-8`, every length bounded.
public enum ForwarderMessageCodec {
    enum Tag: UInt8 {
        case register = 1, registered, peer, peerGone, directoryComplete, relayRequest, relayInvitation, relayRefused,
            keepalive, goodbye, registerWithFeatures, directory
    }

    /// The most plaintext a `directory` batch carries: a sealed message with
    /// its 2-byte header and 16-byte tag must fit the 2-byte frame length.
    public static let maximumBatchBytes = 60_000
    /// The bytes in front of a batch's changes: type and count.
    public static let batchHeaderBytes = 3

    public static func encode(_ message: ForwarderMessage) -> [UInt8] {
        var out: [UInt8] = []
        switch message {
        case .register(let entry):
            out.append(Tag.register.rawValue)
            append(entry, to: &out)
        case .registerWithFeatures(let entry, let features):
            out.append(Tag.registerWithFeatures.rawValue)
            out.append(features.rawValue)
            append(entry, to: &out)
        case .registered(let address, let port):
            out.append(Tag.registered.rawValue)
            appendString(address, to: &out)
            FrameCodec.append(port, to: &out)
        case .peer(let entry):
            out.append(Tag.peer.rawValue)
            append(entry, to: &out)
        case .peerGone(let keyed):
            out.append(Tag.peerGone.rawValue)
            out += keyed
        case .directoryComplete:
            out.append(Tag.directoryComplete.rawValue)
        case .directory(let changes):
            precondition(changes.count <= Int(UInt16.max))
            out.append(Tag.directory.rawValue)
            FrameCodec.append(UInt16(changes.count), to: &out)
            for change in changes { out += encodeChange(change) }
        case .relayRequest(let id, let target):
            out.append(Tag.relayRequest.rawValue)
            FrameCodec.append(id, to: &out)
            out += target
        case .relayInvitation(let invitation):
            out.append(Tag.relayInvitation.rawValue)
            FrameCodec.append(invitation.requestID, to: &out)
            out += invitation.peer + invitation.token
            out.append(invitation.initiator ? 1 : 0)
            FrameCodec.append(invitation.datagramIndex, to: &out)
        case .relayRefused(let id, let reason):
            out.append(Tag.relayRefused.rawValue)
            FrameCodec.append(id, to: &out)
            out.append(reason.rawValue)
        case .keepalive:
            out.append(Tag.keepalive.rawValue)
        case .goodbye:
            out.append(Tag.goodbye.rawValue)
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws(ForwarderMessageError) -> ForwarderMessage {
        do {
            return try decodeFields(bytes)
        } catch let error as ForwarderMessageError {
            throw error
        } catch {
            throw .truncated  // the only error ByteReader throws
        }
    }

    private static func decodeFields(_ bytes: [UInt8]) throws -> ForwarderMessage {
        var reader = ByteReader(bytes)
        let type = try reader.byte()
        guard let tag = Tag(rawValue: type) else { throw ForwarderMessageError.unknownType(type) }
        let message: ForwarderMessage
        switch tag {
        case .register: message = .register(try entry(&reader))
        case .registerWithFeatures:
            let features = ForwarderFeatures(rawValue: try reader.byte())
            message = .registerWithFeatures(try entry(&reader), features)
        case .registered: message = .registered(observedAddress: try string(&reader), relayUDPPort: try reader.uint16())
        case .peer: message = .peer(try entry(&reader))
        case .peerGone: message = .peerGone(keyedFingerprint: try reader.bytes(DirectoryEntry.keyedFingerprintLength))
        case .directoryComplete: message = .directoryComplete
        case .directory:
            guard bytes.count <= maximumBatchBytes else { throw ForwarderMessageError.invalidField("batch length") }
            let count = Int(try reader.uint16())
            var changes: [DirectoryChange] = []
            // No more than the bytes allow: a count is not trusted for memory (a peerGone is the smallest change).
            changes.reserveCapacity(min(count, maximumBatchBytes / (1 + DirectoryEntry.keyedFingerprintLength)))
            for _ in 0..<count {
                switch Tag(rawValue: try reader.byte()) {
                case .peer: changes.append(.peer(try entry(&reader)))
                case .peerGone: changes.append(.peerGone(keyedFingerprint: try reader.bytes(DirectoryEntry.keyedFingerprintLength)))
                default: throw ForwarderMessageError.invalidField("change kind")
                }
            }
            message = .directory(changes)
        case .relayRequest:
            message = .relayRequest(id: try reader.uint32(), target: try reader.bytes(DirectoryEntry.keyedFingerprintLength))
        case .relayInvitation:
            let id = try reader.uint32()
            let peer = try reader.bytes(DirectoryEntry.keyedFingerprintLength)
            let token = try reader.bytes(RelayInvitation.tokenLength)
            let role = try reader.byte()
            guard role <= 1 else { throw ForwarderMessageError.invalidField("role") }
            message = .relayInvitation(
                RelayInvitation(requestID: id, peer: peer, token: token, initiator: role == 1, datagramIndex: try reader.uint32()))
        case .relayRefused:
            let id = try reader.uint32()
            guard let reason = RelayRefusal(rawValue: try reader.byte()) else {
                throw ForwarderMessageError.invalidField("refusal reason")
            }
            message = .relayRefused(id: id, reason: reason)
        case .keepalive: message = .keepalive
        case .goodbye: message = .goodbye
        }
        guard reader.isAtEnd else { throw ForwarderMessageError.invalidField("trailing bytes") }
        return message
    }

    /// One change as a batch carries it: `kind u8` (3 peer, 4 peerGone, the
    /// types of the single messages) ‖ the single message's fields. A
    /// forwarder encodes each member's change once and copies the bytes into
    /// every batch it goes to.
    public static func encodeChange(_ change: DirectoryChange) -> [UInt8] {
        switch change {
        case .peer(let entry): encode(.peer(entry))
        case .peerGone(let keyed): encode(.peerGone(keyedFingerprint: keyed))
        }
    }

    /// A `directory` message's plaintext from changes already encoded
    /// (``encodeChange(_:)``), `count` of them in `changes`.
    public static func directoryBatch(count: Int, changes: [UInt8]) -> [UInt8] {
        precondition(count <= Int(UInt16.max) && batchHeaderBytes + changes.count <= maximumBatchBytes)
        var out: [UInt8] = [Tag.directory.rawValue]
        out.reserveCapacity(batchHeaderBytes + changes.count)
        FrameCodec.append(UInt16(count), to: &out)
        out += changes
        return out
    }

    private static func append(_ entry: DirectoryEntry, to out: inout [UInt8]) {
        precondition(entry.keyedFingerprint.count == DirectoryEntry.keyedFingerprintLength)
        out += entry.keyedFingerprint
        FrameCodec.append(entry.tcpPort, to: &out)
        FrameCodec.append(entry.udpPort, to: &out)
        let addresses = entry.addresses.prefix(DirectoryEntry.maximumAddresses)
        out.append(UInt8(addresses.count))
        for address in addresses { appendString(address, to: &out) }
        let sealed = entry.sealedRecord.prefix(DirectoryEntry.maximumSealedRecordBytes)
        FrameCodec.append(UInt16(sealed.count), to: &out)
        out += sealed
    }

    private static func entry(_ reader: inout ByteReader) throws -> DirectoryEntry {
        let keyed = try reader.bytes(DirectoryEntry.keyedFingerprintLength)
        let tcpPort = try reader.uint16(), udpPort = try reader.uint16()
        let count = Int(try reader.byte())
        guard count <= DirectoryEntry.maximumAddresses else { throw ForwarderMessageError.invalidField("address count") }
        var addresses: [String] = []
        for _ in 0..<count { addresses.append(try string(&reader)) }
        let sealedLength = Int(try reader.uint16())
        guard sealedLength <= DirectoryEntry.maximumSealedRecordBytes else { throw ForwarderMessageError.invalidField("sealed record") }
        return DirectoryEntry(
            keyedFingerprint: keyed, addresses: addresses, tcpPort: tcpPort, udpPort: udpPort, sealedRecord: try reader.bytes(sealedLength))
    }

    /// Addresses are short (an IPv6 literal is at most 45 bytes): 63 is plenty.
    static let maximumStringBytes = 63

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        let bytes = Array(text.utf8.prefix(maximumStringBytes))
        out.append(UInt8(bytes.count))
        out += bytes
    }

    private static func string(_ reader: inout ByteReader) throws -> String {
        let length = Int(try reader.byte())
        guard length <= maximumStringBytes else { throw ForwarderMessageError.invalidField("string length") }
        guard let text = String(validating: try reader.bytes(length), as: UTF8.self) else {
            throw ForwarderMessageError.invalidField("UTF-8")
        }
        return text
    }
}
