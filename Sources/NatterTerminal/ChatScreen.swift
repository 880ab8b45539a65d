/// Lays out the chat window — a title, the conversation, the colleague's live
/// state line and the input line — as one frame of terminal output.
///
/// Pure: it returns the bytes to write, so layout is tested without a terminal.
/// Every piece of text it is given goes through ``TerminalText`` first (most of
/// it comes from a colleague), so the only control sequences in a frame are the
/// screen's own.
/// The whole frame is redrawn each time; a chat window is small and this keeps
/// the screen honest after resizes and wide characters.
public struct ChatScreen: Sendable {
    public var title: String
    /// Conversation entries, oldest first, already formatted ("Alice: hi"); a
    /// line break in an entry starts a new screen line.
    public var lines: [String] = []
    /// The colleague's state ("Bob is typing…"), or nil for nothing to show.
    public var stateLine: String?
    /// A transient notice (errors, "Bob is offline; the message will go out when Bob returns").
    public var notice: String?
    public var input = ""

    public init(title: String) {
        self.title = title
    }

    /// The escape sequences and text that draw the screen at `columns` × `rows`.
    public func render(columns: Int, rows: Int) -> String {
        let columns = max(columns, 10)
        let rows = max(rows, 5)
        let conversationRows = rows - 4  // title, state, separator, input
        let visible = Self.newestScreenLines(of: lines, columns: columns, fitting: conversationRows)
        var frame = "\u{1B}[H\u{1B}[2J"
        frame += "\u{1B}[1m" + DisplayWidth.head(of: TerminalText.neutralised(title), fitting: columns) + "\u{1B}[0m\r\n"
        for _ in 0..<(conversationRows - visible.count) { frame += "\r\n" }
        for line in visible { frame += line + "\r\n" }
        let status = notice ?? stateLine ?? ""
        frame += "\u{1B}[2m" + DisplayWidth.head(of: TerminalText.neutralised(status), fitting: columns) + "\u{1B}[0m\r\n"
        frame += String(repeating: "─", count: columns) + "\r\n"
        frame += "> " + DisplayWidth.tail(of: TerminalText.neutralised(input), fitting: columns - 3)
        return frame
    }

    /// The last `rows` screen lines of `entries`, wrapped at `columns`. It
    /// lays out entries from the newest back only until the rows are full: a
    /// frame is drawn for every event, and laying out a whole long
    /// conversation each time made a burst of events queue the user's own
    /// keystrokes behind seconds of redrawing.
    public static func newestScreenLines(of entries: [String], columns: Int, fitting rows: Int) -> [String] {
        var newestFirst: [String] = []
        for entry in entries.reversed() where newestFirst.count < rows {
            let screenLines = TerminalText.neutralisedLines(entry).flatMap { DisplayWidth.wrap($0, columns: columns) }
            newestFirst.append(contentsOf: screenLines.reversed())
        }
        return Array(newestFirst.prefix(rows).reversed())
    }
}
