import NatterCore
import NatterWire
import Testing

@Suite("Group frame codec")
struct GroupFrameCodecTests {
    static let id = MessageID(bytes: Array(0..<16))!
    static let group = GroupID(bytes: Array(100..<116))!
    static func fingerprint(_ byte: UInt8) -> DeviceFingerprint { DeviceFingerprint(bytes: Array(repeating: byte, count: 32)) }
    static let alice = fingerprint(1), bob = fingerprint(2), carol = fingerprint(3)
    static let header = GroupMessageHeader(group: group, id: id, sentAt: 1_764_000_000_000, timestamp: HybridTimestamp(milliseconds: 1_764_000_000_000, counter: 3))
    static let roster = GroupRoster(id: group, name: try! GroupName("Lunch"), creator: alice, members: [alice, bob, carol])
    static let frames: [Frame] = [
        .group(sequence: 20, .message(header, text: "Pizza? 🍕")),
        .group(sequence: 21, .message(header, text: "")),
        .group(sequence: 22, .change(header, change: .created(name: roster.name, members: [alice, bob, carol]), roster: roster)),
        .group(sequence: 23, .change(header, change: .added([carol]), roster: roster)),
        .group(sequence: 24, .change(header, change: .removed([carol]), roster: GroupRoster(id: group, name: roster.name, creator: alice, members: [alice, bob]))),
        .group(sequence: 25, .change(header, change: .left, roster: GroupRoster(id: group, name: roster.name, creator: alice, members: []))),
        .group(sequence: 26, .state(group: group, state: .reading, source: 7)),
        .group(sequence: 27, .broadcast(id: id, sentAt: 5, text: "Fire drill at 3")),
        .features(.supported),
        .presence(.available), .presence(.away), .presence(.busy),
    ]

    @Test(arguments: frames)
    func roundTrips(_ frame: Frame) throws {
        #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == frame)
    }

    @Test(arguments: frames)
    func everyTruncationIsAnErrorNotACrash(_ frame: Frame) {
        let bytes = FrameCodec.encode(frame)
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if let decoded = try? FrameCodec.decode(prefix) {
                // Only a message or broadcast with a shorter text still decodes.
                #expect(decoded != frame)
                guard case .group(_, let group) = decoded else { Issue.record("\(decoded)"); continue }
                switch group {
                case .message, .broadcast: break
                default: Issue.record("a truncated \(group) decoded")
                }
            }
        }
    }

    @Test func theMessageLayoutIsTheDocumentedOne() {
        let bytes = FrameCodec.encode(.group(sequence: 0x0102, .message(Self.header, text: "hi")))
        #expect(bytes.count == 58 + 2)
        #expect(Array(bytes[0..<10]) == [2, 9, 0, 0, 0, 0, 0, 0, 1, 2])
        #expect(Array(bytes[10..<26]) == Self.group.bytes)
        #expect(Array(bytes[26..<42]) == Self.id.bytes)
        #expect(Array(bytes[50..<58]) == [0x01, 0x9A, 0xB6, 0x97, 0xE8, 0x00, 0x00, 0x03], "hybrid timestamp: ms << 16 | counter")
        #expect(Array(bytes[58...]) == Array("hi".utf8))
    }

    @Test func theChangeLayoutIsTheDocumentedOne() {
        let bytes = FrameCodec.encode(.group(sequence: 1, .change(Self.header, change: .added([Self.carol]), roster: Self.roster)))
        #expect(bytes[1] == 10)
        #expect(bytes[58] == 2, "added")
        #expect(bytes[59] == 1)
        #expect(Array(bytes[60..<92]) == Self.carol.bytes)
        #expect(bytes[92] == 5)
        #expect(Array(bytes[93..<98]) == Array("Lunch".utf8))
        #expect(Array(bytes[98..<130]) == Self.alice.bytes)
        #expect(bytes[130] == 3)
        #expect(bytes.count == 131 + 3 * 32)
        #expect(Array(bytes[131..<163]) == Self.alice.bytes, "members sorted")
    }

    @Test func theStateAndFeaturesLayoutsAreTheDocumentedOnes() {
        let state = FrameCodec.encode(.group(sequence: 9, .state(group: Self.group, state: .typing, source: 0xDEAD_BEEF)))
        #expect(state == [2, 11, 0, 0, 0, 0, 0, 0, 0, 9] + Self.group.bytes + [1, 0xDE, 0xAD, 0xBE, 0xEF])
        let features = FrameCodec.encode(.features(.groups))
        #expect(features == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 1], "a state frame with code 0x80")
    }

    @Test func presenceIsAStateFrameWithCode0x83AndTheStatusInTheSourceField() throws {
        #expect(FrameCodec.encode(.presence(.busy)) == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x83, 0, 0, 0, 2])
        #expect(PeerFeatures.supported.contains(.presence) && PeerFeatures.presence.rawValue == 4, "bit 2")
        #expect(!Frame.presence(.busy).travelsAsDatagram, "the stream only")
        // A status this natter does not know (a newer peer's) is skipped, not fatal.
        #expect(throws: FrameError.unknownState(0x83)) { try FrameCodec.decode([2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x83, 0, 0, 0, 3]) }
        #expect(throws: FrameError.unknownState(0x83)) { try FrameCodec.decode([2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x83, 1, 0, 0, 0]) }
    }

    @Test func anUnknownGroupStateIsSkippableLikeAnUnknownState() {
        let bytes = [2, 11, 0, 0, 0, 0, 0, 0, 0, 9] + Self.group.bytes + [0x77, 0, 0, 0, 1]
        #expect(throws: FrameError.unknownState(0x77)) { try FrameCodec.decode(bytes) }
    }

    @Test func malformedChangesAreRefused() {
        let good = FrameCodec.encode(.group(sequence: 1, .change(Self.header, change: .added([Self.carol]), roster: Self.roster)))
        var badCode = good
        badCode[58] = 9
        #expect(throws: FrameError.invalidField("membership change code")) { try FrameCodec.decode(badCode) }
        var tooMany = good
        tooMany[59] = UInt8(GroupLimits.maximumMembers + 1)
        #expect(throws: FrameError.invalidField("member count 65")) { try FrameCodec.decode(tooMany) }
        var spaceInName = good
        spaceInName[95] = 0x20
        #expect(throws: FrameError.invalidField("group name")) { try FrameCodec.decode(spaceInName) }
        var repeated = good
        repeated.replaceSubrange(163..<195, with: Self.alice.bytes)
        #expect(throws: FrameError.invalidField("repeated member")) { try FrameCodec.decode(repeated) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decode(good + [0]) }
        let noSubjects = FrameCodec.encode(.group(sequence: 1, .change(Self.header, change: .added([]), roster: Self.roster)))
        #expect(throws: FrameError.invalidField("membership change without members")) { try FrameCodec.decode(noSubjects) }
    }

    @Test func aTimestampAtOrPast2To63IsMalformedInMessagesAndChanges() throws {
        let message = FrameCodec.encode(.group(sequence: 1, .message(Self.header, text: "x")))
        let change = FrameCodec.encode(.group(sequence: 1, .change(Self.header, change: .added([Self.carol]), roster: Self.roster)))
        for good in [message, change] {
            var last = good
            last.replaceSubrange(50..<58, with: [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
            #expect(throws: Never.self) { try FrameCodec.decode(last) }
            var past = good
            past[50] = 0x80
            #expect(throws: FrameError.invalidField("group timestamp at or past 2^63")) { try FrameCodec.decode(past) }
        }
    }

    @Test func onlyStatesTravelAsDatagrams() {
        #expect(Frame.group(sequence: 1, .state(group: Self.group, state: .typing, source: 1)).travelsAsDatagram)
        #expect(Frame.state(sequence: 1, state: .typing, source: 1).travelsAsDatagram)
        #expect(!Frame.group(sequence: 1, .message(Self.header, text: "x")).travelsAsDatagram)
        #expect(!Frame.features(.groups).travelsAsDatagram)
    }

    @Test func theLargestChangeFitsOneFrame() throws {
        let members = (0..<UInt8(GroupLimits.maximumMembers)).map(Self.fingerprint)
        let name = try! GroupName(String(repeating: "x", count: GroupLimits.maximumNameBytes))
        let roster = GroupRoster(id: Self.group, name: name, creator: Self.alice, members: Set(members))
        let bytes = FrameCodec.encode(.group(sequence: 1, .change(Self.header, change: .created(name: name, members: members), roster: roster)))
        #expect(bytes.count == 60 + 64 * 32 + 1 + 64 + 32 + 1 + 64 * 32)
        #expect(bytes.count <= WireConstants.maximumFrameBytes)
        #expect(try FrameCodec.decode(bytes) == .group(sequence: 1, .change(Self.header, change: .created(name: name, members: members), roster: roster)))
    }
}
