import NatterCore
import Testing

@Suite("Hex")
struct HexTests {
    @Test func roundTripsAndAcceptsEitherCase() {
        #expect(Hex.encode([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(Hex.decode("00abff") == [0x00, 0xAB, 0xFF])
        #expect(Hex.decode("00ABFF") == [0x00, 0xAB, 0xFF])
        #expect(Hex.decode("") == [])
    }

    @Test func refusesAnythingButPairsOfHexDigits() {
        for text in ["0", "0g", "+f", " f", "é", "aé", "éa", "张a", "0x1f"] {
            #expect(Hex.decode(text) == nil, "\(text)")
        }
    }
}
