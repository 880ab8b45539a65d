import NatterCore
import Testing

struct FixedGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
}

@Suite("MessageID")
struct MessageIDTests {
    @Test func encodesTimeFirstSoIdsSortByCreation() {
        var generator = FixedGenerator(state: 1)
        let earlier = MessageID(unixMilliseconds: 1_700_000_000_000, using: &generator)
        let later = MessageID(unixMilliseconds: 1_700_000_000_001, using: &generator)
        #expect(earlier < later)
        #expect(earlier.unixMilliseconds == 1_700_000_000_000)
        #expect(earlier.bytes[6] >> 4 == 7, "UUIDv7 version nibble")
        #expect(earlier.bytes[8] >> 6 == 0b10, "RFC 9562 variant")
    }

    @Test func hexRoundTripsAndRejectsJunk() {
        var generator = FixedGenerator(state: 9)
        let id = MessageID(unixMilliseconds: 5, using: &generator)
        #expect(MessageID(hex: id.hex) == id)
        #expect(MessageID(hex: id.hex.uppercased()) == id)
        #expect(MessageID(hex: String(id.hex.dropLast())) == nil)
        #expect(MessageID(hex: String(repeating: "g", count: 32)) == nil)
        #expect(MessageID(bytes: [1, 2, 3]) == nil)
    }

    @Test func textLimitsCountUTF8Bytes() {
        #expect(MessageText.validate("hello") == nil)
        #expect(MessageText.validate("  \n") == .empty)
        let chinese = String(repeating: "中", count: MessageText.maximumUTF8Bytes / 3)
        #expect(MessageText.validate(chinese) == nil)
        #expect(MessageText.validate(chinese + "中") == .tooLong(utf8Bytes: chinese.utf8.count + 3))
    }
}
