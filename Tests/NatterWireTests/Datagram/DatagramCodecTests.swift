import Crypto
import NatterCore
import NatterWire
import Testing

@Suite("State datagrams")
struct DatagramTests {
    @Test func replayedReorderedAndForgedDatagramsAreDropped() throws {
        let key = SymmetricKey(size: .bits256)
        var window = ReplayWindow()
        let frames = (1...3).map { Frame.state(sequence: UInt64($0), state: .typing, source: 9) }
        let datagrams = frames.enumerated().map { DatagramCodec.seal($1, receiverIndex: 77, counter: UInt64($0), key: key) }
        #expect(try DatagramCodec.receiverIndex(of: datagrams[0]) == 77)
        #expect(try DatagramCodec.open(datagrams[2], key: key, window: &window) == frames[2])
        #expect(try DatagramCodec.open(datagrams[0], key: key, window: &window) == frames[0], "reordered within the window")
        #expect(throws: LinkError.replayedDatagram) { try DatagramCodec.open(datagrams[2], key: key, window: &window) }
        var forged = datagrams[1]
        forged[forged.count - 3] ^= 1
        #expect(throws: LinkError.self) { try DatagramCodec.open(forged, key: key, window: &window) }
        #expect(try DatagramCodec.open(datagrams[1], key: key, window: &window) == frames[1], "a forgery does not burn the counter")
        #expect(throws: LinkError.self) { try DatagramCodec.open(datagrams[1], key: SymmetricKey(size: .bits256), window: &window) }
    }

    @Test func everyStateDatagramHasTheSameSize() throws {
        let key = SymmetricKey(size: .bits256)
        var sizes: Set<Int> = []
        for (index, state) in SessionState.allCases.enumerated() {
            sizes.insert(DatagramCodec.seal(.state(sequence: UInt64(index) << 40, state: state, source: UInt32(index)), receiverIndex: 1, counter: 0, key: key).count)
        }
        sizes.insert(DatagramCodec.seal(.keepalive(sequence: 0), receiverIndex: 1, counter: 0, key: key).count)
        #expect(sizes == [14 + 64 + 16])
    }
}
