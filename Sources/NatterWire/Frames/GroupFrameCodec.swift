import NatterCore

/// The bodies of group frames (kinds 9–12) and the features announcement.
/// Layouts in Docs/protocol.md §5.9; every count and length is checked before
/// it is used, and anything malformed throws ``FrameError`` (the link closes,
/// as for any malformed frame).
extension FrameCodec {
    /// The state code of the features announcement: a state frame (kind 2)
    /// with this code is skipped, not fatal, at a natter that predates it
    /// (§5.3), so announcing is safe with every version-2 peer.
    static let featuresStateCode: UInt8 = 0x80
    /// The UDP path check's request and reply (§6.5): state codes too, so a
    /// natter that predates them drops such a datagram like any unknown state.
    static let echoRequestStateCode: UInt8 = 0x81
    static let echoReplyStateCode: UInt8 = 0x82
    /// The presence status on the link (§5.3): the source field carries the
    /// status code (``PresenceStatus/code``).
    static let presenceStateCode: UInt8 = 0x83

    enum ChangeCode: UInt8 {
        case created = 1, added = 2, removed = 3, left = 4
    }

    static func encodeGroup(_ frame: GroupFrame, into bytes: inout [UInt8]) {
        switch frame {
        case .message(let header, let text):
            append(header, to: &bytes)
            bytes += Array(text.utf8)
        case .change(let header, let change, let roster):
            append(header, to: &bytes)
            let (code, subjects) = parts(of: change)
            bytes.append(code.rawValue)
            append(subjects, to: &bytes)
            let name = Array(roster.name.text.utf8)
            bytes.append(UInt8(name.count))
            bytes += name
            bytes += roster.creator.bytes
            append(roster.members.sorted(), to: &bytes)
        case .state(let group, let state, let source):
            bytes += group.bytes
            bytes.append(state.code)
            append(source, to: &bytes)
        case .broadcast(let id, let sentAt, let text):
            bytes += id.bytes
            append(sentAt, to: &bytes)
            bytes += Array(text.utf8)
        }
    }

    static func decodeGroup(_ kind: Kind, from reader: inout ByteReader) throws(FrameError) -> GroupFrame {
        switch kind {
        case .groupMessage:
            let header = try reader.groupHeader()
            guard let text = String(validating: reader.rest(), as: UTF8.self) else { throw .invalidField("text encoding") }
            return .message(header, text: text)
        case .groupChange:
            let header = try reader.groupHeader()
            let rawCode = try reader.byte()
            guard let code = ChangeCode(rawValue: rawCode) else { throw .invalidField("membership change code") }
            let subjects = try reader.fingerprints()
            let nameLength = Int(try reader.byte())
            guard let nameText = String(validating: try reader.bytes(nameLength), as: UTF8.self),
                let name = try? GroupName(nameText), name.text == nameText
            else { throw .invalidField("group name") }
            let creator = DeviceFingerprint(bytes: try reader.bytes(DeviceFingerprint.byteCount))
            let members = try reader.fingerprints()
            let roster = GroupRoster(id: header.group, name: name, creator: creator, members: Set(members))
            return .change(header, change: try change(code, subjects, name: name), roster: roster)
        case .groupState:
            let group = try reader.groupID()
            let code = try reader.byte()
            let source = try reader.uint32()
            guard reader.isAtEnd else { throw .invalidField("trailing bytes") }
            guard let state = SessionState(code: code) else { throw .unknownState(code) }
            return .state(group: group, state: state, source: source)
        case .broadcast:
            let id = try reader.messageID()
            let sentAt = try reader.uint64()
            guard let text = String(validating: reader.rest(), as: UTF8.self) else { throw .invalidField("text encoding") }
            return .broadcast(id: id, sentAt: sentAt, text: text)
        default:
            throw .unknownKind(kind.rawValue)
        }
    }

    static func groupKind(of frame: GroupFrame) -> Kind {
        switch frame {
        case .message: .groupMessage
        case .change: .groupChange
        case .state: .groupState
        case .broadcast: .broadcast
        }
    }

    private static func parts(of change: MembershipChange) -> (ChangeCode, [DeviceFingerprint]) {
        switch change {
        case .created(_, let members): (.created, members)
        case .added(let members): (.added, members)
        case .removed(let members): (.removed, members)
        case .left: (.left, [])
        }
    }

    private static func change(_ code: ChangeCode, _ subjects: [DeviceFingerprint], name: GroupName) throws(FrameError) -> MembershipChange {
        switch code {
        case .created: return .created(name: name, members: subjects)
        case .added, .removed:
            guard !subjects.isEmpty else { throw .invalidField("membership change without members") }
            return code == .added ? .added(subjects) : .removed(subjects)
        case .left:
            guard subjects.isEmpty else { throw .invalidField("a leave names no members") }
            return .left
        }
    }

    private static func append(_ header: GroupMessageHeader, to bytes: inout [UInt8]) {
        bytes += header.group.bytes
        bytes += header.id.bytes
        append(header.sentAt, to: &bytes)
        append(header.timestamp.rawValue, to: &bytes)
    }

    /// count u8 ‖ fingerprints, count ≤ the group size limit.
    private static func append(_ fingerprints: [DeviceFingerprint], to bytes: inout [UInt8]) {
        let kept = fingerprints.prefix(GroupLimits.maximumMembers)
        bytes.append(UInt8(kept.count))
        for fingerprint in kept { bytes += fingerprint.bytes }
    }
}

extension ByteReader {
    mutating func groupID() throws(FrameError) -> GroupID {
        GroupID(bytes: try bytes(GroupID.byteCount))!
    }

    /// The 48-byte header of kinds 9 and 10. A timestamp of 2^63 or more
    /// (the year 6429 by its milliseconds) is malformed: no clock makes one,
    /// and stores keep timestamps as signed 64-bit integers in the agreed order.
    mutating func groupHeader() throws(FrameError) -> GroupMessageHeader {
        let group = try groupID()
        let id = try messageID()
        let sentAt = try uint64()
        let timestamp = try uint64()
        guard timestamp < 1 << 63 else { throw .invalidField("group timestamp at or past 2^63") }
        return GroupMessageHeader(group: group, id: id, sentAt: sentAt, timestamp: HybridTimestamp(rawValue: timestamp))
    }

    /// count u8 (at most ``GroupLimits/maximumMembers``) ‖ that many distinct fingerprints.
    mutating func fingerprints() throws(FrameError) -> [DeviceFingerprint] {
        let count = Int(try byte())
        guard count <= GroupLimits.maximumMembers else { throw .invalidField("member count \(count)") }
        var result: [DeviceFingerprint] = []
        for _ in 0..<count { result.append(DeviceFingerprint(bytes: try bytes(DeviceFingerprint.byteCount))) }
        guard Set(result).count == result.count else { throw .invalidField("repeated member") }
        return result
    }
}
