import NatterCore
import NatterWire
import Testing

@Suite("Frame codec")
struct FrameCodecTests {
    static let id = MessageID(bytes: Array(0..<16))!
    static let frames: [Frame] = [
        .chat(sequence: 7, id: id, sentAt: 1_764_000_000_000, text: "你好 Bob 👋"),
        .chat(sequence: 8, id: id, sentAt: 0, text: ""),
        .state(sequence: 9, state: .typing, source: 0xDEAD_BEEF),
        .ack(sequence: 10, id: id),
        .keepalive(sequence: 11),
        .goodbye(sequence: 12),
        .hello(sequence: 0, name: "Alice Example", udpPort: 41_000, datagramIndex: 42),
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
            // Chat, hello: a shorter text/name is still a valid frame once the fixed fields are complete.
            if case .success = Result(catching: { try FrameCodec.decode(prefix) }) {
                #expect(length >= 2 + 8, "only complete fixed fields decode")
            }
        }
    }

    @Test func malformedInputIsRefusedWithAReason() throws {
        #expect(throws: FrameError.unsupportedVersion(1)) { try FrameCodec.decode([1, 4, 0, 0, 0, 0, 0, 0, 0, 1]) }
        #expect(throws: FrameError.unknownKind(99)) { try FrameCodec.decode([2, 99, 0, 0, 0, 0, 0, 0, 0, 1]) }
        #expect(throws: FrameError.truncated) { try FrameCodec.decode([2, 2, 0, 0, 0]) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decode([2, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF]) }
        #expect(throws: FrameError.oversized(WireConstants.maximumFrameBytes + 1)) {
            try FrameCodec.decode([UInt8](repeating: 1, count: WireConstants.maximumFrameBytes + 1))
        }
        let badUTF8 = FrameCodec.encode(.chat(sequence: 1, id: Self.id, sentAt: 0, text: "")) + [0xC3, 0x28]
        #expect(throws: FrameError.invalidField("text encoding")) { try FrameCodec.decode(badUTF8) }
        // Too long to store is the daemon's decision (it acknowledges and drops),
        // not a malformed frame that would cost the link.
        let longChat = Frame.chat(sequence: 1, id: Self.id, sentAt: 0, text: String(repeating: "a", count: MessageText.maximumUTF8Bytes + 1))
        #expect(try FrameCodec.decode(FrameCodec.encode(longChat)) == longChat)
        #expect(throws: FrameError.unknownState(200)) { try FrameCodec.decode([2, 2, 0, 0, 0, 0, 0, 0, 0, 1, 200, 0, 0, 0, 9]) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decode([2, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 9, 0]) }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<64, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 1 && Bool.random(using: &generator) { bytes[0] = WireConstants.protocolVersion }
            _ = try? FrameCodec.decode(bytes)
        }
    }

    @Test func rekeyFramesRoundTripAndAreNeverConversationFrames() throws {
        let ephemeral = (0..<32).map { UInt8($0) }
        let rekey = FrameCodec.encode(LinkControl.rekey(ephemeral: ephemeral, datagramIndex: 0xA1B2_C3D4))
        #expect(rekey == [2, 7] + [UInt8](repeating: 0, count: 8) + ephemeral + [0xA1, 0xB2, 0xC3, 0xD4])
        #expect(try FrameCodec.decodeMessage(rekey) == .control(.rekey(ephemeral: ephemeral, datagramIndex: 0xA1B2_C3D4)))
        #expect(try FrameCodec.decodeMessage([2, 8, 0, 0, 0, 0, 0, 0, 0, 0]) == .control(.rekeyDone))
        #expect(throws: FrameError.unknownKind(7), "a datagram or a daemon never sees one") { try FrameCodec.decode(rekey) }
        #expect(throws: FrameError.invalidField("datagram index")) {
            try FrameCodec.decodeMessage([2, 7] + [UInt8](repeating: 0, count: 8) + ephemeral + [0, 0, 0, 0])
        }
        #expect(throws: FrameError.truncated) { try FrameCodec.decodeMessage(Array(rekey.dropLast())) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decodeMessage(rekey + [0]) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decodeMessage([2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: FrameError.unknownKind(13)) { try FrameCodec.decodeMessage([2, 13, 0, 0, 0, 0, 0, 0, 0, 0]) }
    }
}
