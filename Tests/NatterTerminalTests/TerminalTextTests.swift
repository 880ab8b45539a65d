import Foundation
import NatterTerminal
import Testing

@Suite("TerminalText")
struct TerminalTextTests {
    /// The message the issue describes: it sets the window title, clears the
    /// screen and forges a line over the real one.
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\rforged line"

    @Test func theTitleClearScreenAndForgedLineAttackIsShownNotObeyed() {
        #expect(TerminalText.neutralised(Self.hostile) == "␛]0;pwned␇␛[2J␍forged line")
    }

    @Test(arguments: Array(UInt32(0x00)...0x1F).filter { $0 != 0x09 })
    func everyC0ControlBecomesItsControlPicture(value: UInt32) {
        let control = String(Unicode.Scalar(value)!)
        let shown = TerminalText.neutralised("a" + control + "b")
        #expect(shown == "a" + String(Unicode.Scalar(0x2400 + value)!) + "b")
        #expect(DisplayWidth.of(shown) == 3, "a picture takes one column, as its neighbours do")
    }

    @Test func delIsShownAndTabBecomesSpaces() {
        #expect(TerminalText.neutralised("a\u{7F}b") == "a␡b")
        #expect(TerminalText.neutralised("a\tb") == "a" + String(repeating: " ", count: TerminalText.tabWidth) + "b")
    }

    @Test(arguments: Array(UInt32(0x80)...0x9F) + Array(UInt32(0x202A)...0x202E) + Array(UInt32(0x2066)...0x2069) + [0x2028, 0x2029])
    func c1BidiAndSeparatorControlsAreWrittenOutInASCII(value: UInt32) {
        let shown = TerminalText.neutralised("x" + String(Unicode.Scalar(value)!) + "y")
        let hex = String(value, radix: 16, uppercase: true)
        #expect(shown == "x<U+" + String(repeating: "0", count: 4 - hex.count) + hex + ">y")
        #expect(DisplayWidth.of(shown) == 10)
    }

    @Test func aTrojanSourceOverrideCannotReorderTheLine() {
        // "RLO" would show "txt.exe" as "exe.txt"-style reversed text.
        let shown = TerminalText.neutralised("invoice\u{202E}fdp.exe")
        #expect(shown == "invoice<U+202E>fdp.exe")
    }

    @Test(arguments: [
        "Hello, plain ASCII!", "你好，世界", "こんにちは", "안녕하세요", "👋 👩‍💻 🇨🇭 👍🏽",
        "e\u{301} a\u{308} n\u{303}", "שלום \u{200F}עולם", "مرحبا\u{200E}", "∑ ≠ ∞ — “quotes” …", "␛ already a picture",
    ])
    func ordinaryTextIsUntouched(text: String) {
        #expect(TerminalText.neutralised(text) == text)
        #expect(TerminalText.neutralisedLines(text) == [text])
    }

    @Test func noUnsafeScalarSurvivesAndTheResultIsStable() {
        // Every scalar of the Basic Multilingual Plane and the first supplementary one.
        let scalars = (0...0x1FFFF).compactMap(Unicode.Scalar.init)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        let shown = TerminalText.neutralised(String(text))
        #expect(!shown.unicodeScalars.contains(where: TerminalText.isUnsafe))
        #expect(TerminalText.neutralised(shown) == shown)
        for line in TerminalText.neutralisedLines(String(text)) {
            #expect(!line.unicodeScalars.contains(where: TerminalText.isUnsafe))
        }
    }

    @Test func lineBreaksSplitLinesButABareCarriageReturnIsShown() {
        #expect(TerminalText.neutralisedLines("one\ntwo") == ["one", "two"])
        #expect(TerminalText.neutralisedLines("one\r\ntwo\r\n") == ["one", "two", ""])
        #expect(TerminalText.neutralisedLines("real\rforged") == ["real␍forged"])
        #expect(TerminalText.neutralisedLines("end\r") == ["end␍"])
        #expect(TerminalText.neutralisedLines("") == [""])
        #expect(TerminalText.neutralisedLines("a\n\u{1B}[2Jb") == ["a", "␛[2Jb"])
        #expect(TerminalText.neutralised("one\ntwo") == "one␊two", "a single line keeps line breaks visible")
    }

    @Test func wrappedNeutralisedTextFitsItsColumns() {
        let shown = TerminalText.neutralised("你好\u{1B}[31m\u{202E}👋ab\u{07}" + Self.hostile)
        for columns in 2...12 {
            let rows = DisplayWidth.wrap(shown, columns: columns)
            #expect(rows.allSatisfy { DisplayWidth.of($0) <= columns })
            #expect(rows.joined() == shown)
        }
    }
}

@Suite("Screen layout of hostile text")
struct ChatScreenSafetyTests {
    /// The frame with the screen's own sequences removed: what is left came from the text it was given.
    static func withoutOwnSequences(_ frame: String) -> String {
        var rest = frame
        for own in ["\u{1B}[H", "\u{1B}[2J", "\u{1B}[1m", "\u{1B}[0m", "\u{1B}[2m", "\r\n"] {
            rest = rest.replacingOccurrences(of: own, with: "")
        }
        return rest
    }

    @Test func noControlFromAColleagueReachesTheFrame() {
        let hostile = TerminalTextTests.hostile + "\u{9B}31m\u{202E}\u{2066}"
        var screen = ChatScreen(title: "natter — Bob" + hostile)
        screen.lines = ["[12:03] Bob" + hostile + ": " + hostile]
        screen.stateLine = "Bob" + hostile + " is typing…"
        screen.notice = "\"Bob" + hostile + "\" matches several colleagues"
        screen.input = "pasted" + hostile
        let frame = screen.render(columns: 200, rows: 12)
        let fromText = Self.withoutOwnSequences(frame)
        #expect(!fromText.unicodeScalars.contains(where: TerminalText.isUnsafe), "left over: \(fromText.debugDescription)")
        #expect(fromText.contains("␛]0;pwned␇␛[2J␍forged line"))
        #expect(!frame.contains("\rforged"))
    }

    @Test func aMultiLineMessageTakesOneScreenRowPerLine() {
        var screen = ChatScreen(title: "natter — Bob")
        screen.lines = ["[12:03] Bob: first\n    second", "[12:04] me: ok"]
        let frame = screen.render(columns: 40, rows: 10)
        #expect(frame.contains("[12:03] Bob: first\r\n    second\r\n[12:04] me: ok\r\n"))
    }
}
