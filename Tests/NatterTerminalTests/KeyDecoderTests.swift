import NatterTerminal
import Testing

@Suite("KeyDecoder")
struct KeyDecoderTests {
    @Test func focusReportsAreRecognised() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(Array("\u{1B}[I".utf8)) == [.focusIn])
        #expect(decoder.feed(Array("\u{1B}[O".utf8)) == [.focusOut])
    }

    @Test func everyInputSurvivesBeingFedOneByteAtATime() {
        let stream = Array("héllo 你好\u{1B}[Ix\u{7F}\r\u{1B}[A\u{15}\u{1B}[O\u{03}".utf8)
        var whole = KeyDecoder()
        let expected = whole.feed(stream)
        var dripped = KeyDecoder()
        var inputs: [TerminalInput] = []
        for byte in stream { inputs += dripped.feed([byte]) }
        // Dripping yields text one character at a time; merge adjacent text to compare.
        #expect(Self.mergingText(inputs) == Self.mergingText(expected))
        #expect(Self.mergingText(expected) == [
            .text("héllo 你好"), .focusIn, .text("x"), .backspace, .enter, .otherKey, .clearLine, .focusOut, .quit,
        ])
    }

    @Test func aSplitChineseCharacterWaitsForItsTail() {
        var decoder = KeyDecoder()
        let bytes = Array("中".utf8)
        #expect(decoder.feed(bytes.prefix(2)) == [])
        #expect(decoder.feed(bytes.suffix(1)) == [.text("中")])
    }

    @Test func aLoneEscapeWaitsAndAStrayByteDoesNotStall() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.feed(Array("[B".utf8)) == [.otherKey])
        #expect(decoder.feed([0x80, UInt8(ascii: "a")]) == [.text("\u{FFFD}a")])
    }

    static func mergingText(_ inputs: [TerminalInput]) -> [TerminalInput] {
        var merged: [TerminalInput] = []
        for input in inputs {
            if case .text(let next) = input, case .text(let previous)? = merged.last {
                merged[merged.count - 1] = .text(previous + next)
            } else {
                merged.append(input)
            }
        }
        return merged
    }
}

@Suite("InputLine")
struct InputLineTests {
    @Test func reportsKeystrokesClearingAndSending() {
        var line = InputLine()
        #expect(line.apply(.backspace) == .unchanged)
        #expect(line.apply(.text("你")) == .edited)
        #expect(line.apply(.text("好")) == .edited)
        #expect(line.apply(.backspace) == .edited)
        #expect(line.apply(.backspace) == .cleared)
        #expect(line.apply(.enter) == .unchanged, "Enter on an empty box sends nothing")
        #expect(line.apply(.text("hi")) == .edited)
        #expect(line.apply(.clearLine) == .cleared)
        #expect(line.apply(.text("ok")) == .edited)
        #expect(line.apply(.enter) == .submitted("ok"))
        #expect(line.text.isEmpty)
        #expect(line.apply(.focusOut) == .unchanged)
    }
}

@Suite("Screen layout")
struct ChatScreenTests {
    @Test func wideCharactersCountTwoColumns() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("你好") == 4)
        #expect(DisplayWidth.wrap("你好你好", columns: 5) == ["你好", "你好"])
        #expect(DisplayWidth.tail(of: "abc你好", fitting: 5) == "c你好")
        #expect(DisplayWidth.head(of: "abc你好", fitting: 5) == "abc…", "a wide character that does not fit is left out whole")
        #expect(DisplayWidth.head(of: "abc你好", fitting: 7) == "abc你好")
    }

    @Test func aLongStateLineKeepsItsStartWhereTheNamesAre() {
        var screen = ChatScreen(title: "natter — #Lunch")
        screen.stateLine = "Alice is typing… · Bob is reading your message"
        let frame = screen.render(columns: 24, rows: 10)
        #expect(frame.contains("Alice is typing… · Bob…"))
        #expect(!frame.contains("message"))
    }

    @Test func frameShowsTheNewestLinesTheStateAndTheInput() {
        var screen = ChatScreen(title: "natter — Bob")
        screen.lines = (1...30).map { "Bob: line \($0)" }
        screen.stateLine = "Bob is typing…"
        screen.input = "draft"
        let frame = screen.render(columns: 40, rows: 10)
        #expect(frame.contains("Bob: line 30"))
        #expect(frame.contains("Bob: line 25"))
        #expect(!frame.contains("Bob: line 24\r"), "only rows - 4 conversation lines fit")
        #expect(frame.contains("Bob is typing…"))
        #expect(frame.hasSuffix("> draft"))
        screen.notice = "Bob is offline"
        #expect(screen.render(columns: 40, rows: 10).contains("Bob is offline"))
    }

    /// Only the newest entries are laid out, and the frame is the one laying
    /// out every entry gives: entries with line breaks, wide characters and
    /// lines longer than the screen, at several sizes.
    @Test(arguments: [(12, 5), (20, 8), (7, 30), (40, 200)])
    func theNewestLinesAreThoseOfTheWholeConversation(columns: Int, rows: Int) {
        let entries = (1...120).map { index in
            switch index % 4 {
            case 0: "Bob: \(index) 你好你好你好你好你好"
            case 1: "Alice: \(index)\nsecond line\nthird"
            case 2: "Bob: " + String(repeating: "long\(index) ", count: index % 9)
            default: "Alice: \(index)"
            }
        }
        let everything = entries.flatMap(TerminalText.neutralisedLines).flatMap { DisplayWidth.wrap($0, columns: columns) }
        let conversationRows = rows - 4
        #expect(ChatScreen.newestScreenLines(of: entries, columns: columns, fitting: conversationRows) == Array(everything.suffix(conversationRows)))
    }
}
