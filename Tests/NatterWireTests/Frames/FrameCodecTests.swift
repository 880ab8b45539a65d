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

    @Test func malformedInputIsRefusedWithAReason() {
        #expect(throws: FrameError.unsupportedVersion(2)) { try FrameCodec.decode([2, 4, 0, 0, 0, 0, 0, 0, 0, 1]) }
        #expect(throws: FrameError.unknownKind(99)) { try FrameCodec.decode([1, 99, 0, 0, 0, 0, 0, 0, 0, 1]) }
        #expect(throws: FrameError.truncated) { try FrameCodec.decode([1, 2, 0, 0, 0]) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decode([1, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF]) }
        #expect(throws: FrameError.oversized(WireConstants.maximumFrameBytes + 1)) {
            try FrameCodec.decode([UInt8](repeating: 1, count: WireConstants.maximumFrameBytes + 1))
        }
        let badUTF8 = FrameCodec.encode(.chat(sequence: 1, id: Self.id, sentAt: 0, text: "")) + [0xC3, 0x28]
        #expect(throws: FrameError.invalidField("text encoding")) { try FrameCodec.decode(badUTF8) }
        let longText = FrameCodec.encode(.chat(sequence: 1, id: Self.id, sentAt: 0, text: String(repeating: "a", count: FrameCodec.maximumTextBytes + 1)))
        #expect(throws: FrameError.invalidField("text length")) { try FrameCodec.decode(longText) }
        #expect(throws: FrameError.unknownState(200)) { try FrameCodec.decode([1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 200, 0, 0, 0, 9]) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decode([1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 9, 0]) }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<64, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 1 && Bool.random(using: &generator) { bytes[0] = 1 }
            _ = try? FrameCodec.decode(bytes)
        }
    }
}

@Suite("Replay window (RFC 6479)")
struct ReplayWindowTests {
    @Test func acceptsEachCounterOnceAndToleratesReordering() {
        var window = ReplayWindow()
        let result1 = window.accept(5)
        #expect(result1)
        let result2 = window.accept(5)
        #expect(!result2, "replay")
        let result3 = window.accept(3)
        #expect(result3, "reordered, inside the window")
        let result4 = window.accept(3)
        #expect(!result4)
        let result5 = window.accept(6)
        #expect(result5)
        #expect(window.highest == 6)
    }

    @Test func refusesWhatFellOutOfTheWindow() {
        var window = ReplayWindow()
        let result6 = window.accept(10_000)
        #expect(result6)
        let result7 = window.accept(10_000 - WireConstants.replayWindowSize)
        #expect(!result7, "exactly one window behind")
        let result8 = window.accept(10_000 - WireConstants.replayWindowSize + 1)
        #expect(result8)
    }

    @Test func aBigJumpForgetsOldBitsCorrectly() {
        var window = ReplayWindow()
        for counter in 0..<200 as Range<UInt64> {
            let accepted = window.accept(counter)
            #expect(accepted)
        }
        let result9 = window.accept(1_000_000)
        #expect(result9)
        // Counters that share bitmap positions with old ones are new again after the slide.
        let result10 = window.accept(1_000_000 - 64)
        #expect(result10)
        let result11 = window.accept(150)
        #expect(!result11, "far too old")
    }

    @Test func checkDoesNotRecord() {
        var window = ReplayWindow()
        #expect(window.check(1))
        #expect(window.check(1))
        window.accept(1)
        #expect(!window.check(1))
    }
}
