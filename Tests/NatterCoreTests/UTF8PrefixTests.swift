import NatterCore
import Testing

@Suite("Cutting text to a byte budget")
struct UTF8PrefixTests {
    @Test func shortTextIsUntouched() {
        #expect("Alice".prefix(utf8Bytes: 64) == "Alice")
    }

    @Test func cutsOnScalarBoundariesNeverMidCharacter() {
        #expect("张三丰".prefix(utf8Bytes: 7) == "张三")  // 3 bytes each: 6 fit, the 7th byte would split 丰
        #expect("ab👋".prefix(utf8Bytes: 5) == "ab")
        #expect("ab👋".prefix(utf8Bytes: 6) == "ab👋")
        for budget in 0...12 {
            let cut = "Zoë 张 👋".prefix(utf8Bytes: budget)
            #expect(cut.utf8.count <= budget)
            #expect("Zoë 张 👋".hasPrefix(cut))
        }
    }
}

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
