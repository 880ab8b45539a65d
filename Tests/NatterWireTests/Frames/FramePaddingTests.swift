import NatterCore
@testable import NatterWire
import Testing

/// Frames are padded inside the encryption to a few sizes (Docs/protocol.md §5.3).
@Suite("Frame padding")
struct FramePaddingTests {
    static let id = MessageID(bytes: [UInt8](repeating: 7, count: 16))!

    @Test func everyLengthRoundTripsIntoTheSmallestBucketThatHoldsIt() throws {
        var lengths = Array(0...2_100)
        for bucket in FramePadding.buckets { lengths += [bucket - 3, bucket - 2, bucket - 1].filter { $0 >= 0 && $0 <= WireConstants.maximumFrameBytes } }
        lengths.append(WireConstants.maximumFrameBytes)
        for length in lengths {
            let frame = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31 + 1) }
            let padded = FramePadding.pad(frame)
            #expect(FramePadding.buckets.contains(padded.count), "\(length) bytes pad to \(padded.count)")
            #expect(padded.count >= length + 2)
            let smaller = FramePadding.buckets.filter { $0 < padded.count }.last ?? 0
            #expect(smaller < length + 2, "the smallest bucket that holds \(length) bytes")
            #expect(try FramePadding.unpad(padded) == frame)
        }
    }

    @Test func controlFramesStatesAndShortChatsAllLookAlike() {
        let frames: [[UInt8]] = [
            FrameCodec.encode(.state(sequence: 9, state: .typing, source: 1)),
            FrameCodec.encode(.state(sequence: 9, state: .away, source: 70_000)),
            FrameCodec.encode(.keepalive(sequence: 0)), FrameCodec.encode(.goodbye(sequence: 0)),
            FrameCodec.encode(.ack(sequence: 0, id: Self.id)),
            FrameCodec.encode(.chat(sequence: 4, id: Self.id, sentAt: 1, text: "ok")),
            FrameCodec.encode(.chat(sequence: 4, id: Self.id, sentAt: 1, text: String(repeating: "x", count: 28))),
            FrameCodec.encode(LinkControl.rekey(ephemeral: [UInt8](repeating: 1, count: 32), datagramIndex: 5)),
            FrameCodec.encode(LinkControl.rekeyDone),
        ]
        #expect(Set(frames.map { FramePadding.pad($0).count }) == [64])
        // One more byte of text than fits moves to the next size.
        #expect(FramePadding.pad(FrameCodec.encode(.chat(sequence: 4, id: Self.id, sentAt: 1, text: String(repeating: "x", count: 29)))).count == 128)
    }

    @Test func aLengthBeyondTheBytesOrNonZeroPaddingIsRefused() throws {
        var padded = FramePadding.pad([1, 2, 3])
        padded[10] = 1
        #expect(throws: FrameError.invalidField("padding")) { try FramePadding.unpad(padded) }
        #expect(throws: FrameError.truncated) { try FramePadding.unpad([0, 5, 1, 2, 3]) }
        #expect(throws: FrameError.truncated) { try FramePadding.unpad([0]) }
        #expect(throws: FrameError.truncated) { try FramePadding.unpad([]) }
        #expect(try FramePadding.unpad([0, 0]) == [], "any size is accepted, not only a bucket")
    }

    /// The bandwidth padding costs, printed for Docs/protocol.md: every
    /// frame size a chat text can make (1…16 384 bytes, uniformly), a short
    /// office chat (1…200 bytes), and the fixed frames.
    @Test func theBandwidthCostIsBounded() {
        func cost(_ texts: ClosedRange<Int>) -> (plain: Int, padded: Int) {
            texts.reduce(into: (0, 0)) { sum, n in
                // On the TCP wire: length u16, envelope header, frame, tag.
                sum.0 += 2 + 2 + 34 + n + 16
                sum.1 += 2 + 2 + FramePadding.paddedSize(ofFrame: 34 + n) + 16
            }
        }
        let all = cost(1...16_384), short = cost(1...200)
        let allRatio = Double(all.padded) / Double(all.plain), shortRatio = Double(short.padded) / Double(short.plain)
        print("padding: chat 1…16384 B ×\(allRatio), chat 1…200 B ×\(shortRatio); state 35→\(4 + 64 + 16) B, keepalive 30→84 B, state datagram 45→94 B")
        #expect(allRatio < 1.5 && shortRatio < 1.6)
        for n in [1, 100, 1_000, 16_384] {
            #expect(FramePadding.paddedSize(ofFrame: 34 + n) <= max(64, 2 * (2 + 34 + n)), "never more than double")
        }
    }
}
