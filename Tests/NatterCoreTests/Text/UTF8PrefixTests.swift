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
