import NatterCore
import Testing

@Suite("Display text")
struct DisplayTextTests {
    @Test(arguments: [
        (SessionState.typing, "Alice is typing…", "Alice正在输入消息"),
        (.pausedTyping, "Alice paused typing", "Alice暂停输入消息"),
        (.leftTemporarily, "Alice has left the conversation for a moment", "Alice暂时离开会话"),
        (.reading, "Alice is reading your message", "Alice正在阅读消息"),
        (.closedWindow, "Alice closed the conversation", "Alice关闭了会话窗口"),
        (.away, "Alice is away", "Alice外出或离开"),
    ])
    func bothLanguagesMatchTheBrief(state: SessionState, english: String, chinese: String) {
        #expect(displayText(for: state, name: "Alice", language: .english) == english)
        #expect(displayText(for: state, name: "Alice", language: .simplifiedChinese) == chinese)
    }

    @Test func activeShowsNothing() {
        #expect(displayText(for: .active, name: "Alice", language: .english) == nil)
        #expect(displayText(for: .active, name: "Alice", language: .simplifiedChinese) == nil)
    }

    @Test func wireValuesNeverChange() {
        #expect(SessionState.allCases.map(\.code) == [0, 1, 2, 3, 4, 5, 6])
        #expect(SessionState.allCases.allSatisfy { SessionState(code: $0.code) == $0 })
        #expect(SessionState(code: 7) == nil)
    }
}
