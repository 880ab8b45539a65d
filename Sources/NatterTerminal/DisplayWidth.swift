/// How many terminal columns text occupies: East Asian wide and fullwidth
/// characters (Unicode UAX #11) and emoji take two, combining marks none.
public enum DisplayWidth {
    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    public static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.count > 1 && character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation }) {
            return 2
        }
        return width(of: scalar)
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark { return 0 }
        let wideRanges: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
        ]
        return wideRanges.contains { $0.contains(value) } ? 2 : 1
    }

    /// `text` cut to `columns`, keeping its start and ending in "…" when cut:
    /// a state line or title reads from its start ("Alice is typing… · Bob
    /// is rea…"), where the names are.
    public static func head(of text: String, fitting columns: Int) -> String {
        guard of(text) > columns else { return text }
        var width = 1  // the "…"
        var end = text.startIndex
        while end < text.endIndex {
            let characterWidth = of(text[end])
            if width + characterWidth > columns { break }
            width += characterWidth
            end = text.index(after: end)
        }
        var kept = text[..<end]
        while kept.last == " " { kept = kept.dropLast() }
        return kept + "…"
    }

    /// The longest suffix of `text` that fits in `columns`, so the end of a
    /// long input line (where the cursor is) stays visible.
    public static func tail(of text: String, fitting columns: Int) -> String {
        var width = 0
        var start = text.endIndex
        while start > text.startIndex {
            let previous = text.index(before: start)
            let characterWidth = of(text[previous])
            if width + characterWidth > columns { break }
            width += characterWidth
            start = previous
        }
        return String(text[start...])
    }

    /// Splits `text` into lines of at most `columns` columns (at least one line).
    public static func wrap(_ text: String, columns: Int) -> [String] {
        guard columns > 1 else { return [text] }
        var lines: [String] = []
        var line = ""
        var width = 0
        for character in text {
            if character == "\n" {
                lines.append(line); line = ""; width = 0
                continue
            }
            let characterWidth = of(character)
            if width + characterWidth > columns {
                lines.append(line); line = ""; width = 0
            }
            line.append(character)
            width += characterWidth
        }
        lines.append(line)
        return lines
    }
}
