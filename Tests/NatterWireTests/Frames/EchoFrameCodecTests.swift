import NatterCore
import NatterWire
import Testing

/// The UDP path check's frames (Docs/protocol.md §6.5): state frames with
/// codes no session state uses, so an older natter drops them like any state
/// it does not know.
@Suite("Echo frame codec")
struct EchoFrameCodecTests {
    @Test func requestAndReplyHaveTheDocumentedLayoutAndRoundTrip() throws {
        let request = Frame.echo(.request(nonce: 0x0102_0304))
        #expect(FrameCodec.encode(request) == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 1, 2, 3, 4])
        #expect(FrameCodec.encode(.echo(.reply(nonce: 0xA0B0_C0D0))) == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x82, 0xA0, 0xB0, 0xC0, 0xD0])
        for frame in [request, .echo(.reply(nonce: 9))] {
            #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == frame)
            #expect(!frame.travelsAsDatagram, "never delivered as a state")
            #expect(frame.sequence == 0)
        }
    }

    @Test func theirStateCodesAreNoSessionStateSoAnOlderNatterSkipsThem() {
        #expect(SessionState(code: 0x81) == nil && SessionState(code: 0x82) == nil)
        // 0x83 is presence (§5.3); the next code is still unknown, and skippable.
        #expect(throws: FrameError.unknownState(0x84)) { try FrameCodec.decode([2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x84, 0, 0, 0, 1]) }
        #expect(throws: FrameError.invalidField("trailing bytes")) { try FrameCodec.decode([2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 0, 1, 0]) }
    }

    @Test func theFeatureIsAnnouncedByThisNatter() {
        #expect(PeerFeatures.supported.contains(.udpEcho) && PeerFeatures.udpEcho.rawValue == 2)
    }
}
