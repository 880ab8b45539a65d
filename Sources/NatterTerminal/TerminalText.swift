/// Colleagues' text made safe to print on a terminal.
///
/// A message or display name comes from another machine, and a terminal obeys
/// every control character it is given: one message could set the window
/// title (`ESC ] 0 ; … BEL`), clear the screen (`ESC [ 2 J`), ring the bell,
/// return the cursor to the start of the line (CR) and print a forged line over
/// a real one, or reorder what follows with a bidirectional override ("Trojan
/// Source"). Every terminal output of natter passes colleague-controlled text
/// through here first; `--json` output does not: it is for programs, which get
/// the exact text (JSON escapes the C0 controls; C1 and bidirectional
/// characters stay as they are, valid JSON).
///
/// What is replaced, and by what (one visible form per class, so nothing is
/// silently dropped and the user can see that something odd was sent):
/// - C0 controls U+0000–U+001F and DEL U+007F: their Unicode Control Picture,
///   U+2400–U+241F and U+2421 (ESC → `␛`, BEL → `␇`, CR → `␍`, LF in a
///   single line → `␊`). Each is one column wide, like the printable
///   characters around it.
/// - TAB: expanded to ``tabWidth`` spaces (tab stops would depend on the
///   column, which the prefix of each line shifts anyway).
/// - C1 controls U+0080–U+009F (U+009B is a one-byte CSI to many terminals),
///   the bidirectional embeddings, overrides and isolates U+202A–U+202E and
///   U+2066–U+2069, and the line and paragraph separators U+2028–U+2029:
///   `<U+XXXX>` in ASCII.
///
/// Everything else — CJK, emoji and their joiners, combining marks, the
/// bidirectional *marks* (LRM, RLM) that right-to-left text needs — is left
/// untouched, and ``DisplayWidth`` measures the result correctly.
public enum TerminalText {
    /// How many spaces stand for a TAB.
    public static let tabWidth = 4

    /// `text` as one line with every control character shown visibly: line
    /// breaks too (`␊`, `␍`), for names, state lines and other text that must
    /// stay on one line. Idempotent.
    public static func neutralised(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { append(scalar, to: &result) }
        return String(result)
    }

    /// `text` split at its line breaks (LF or CR LF), each line neutralised
    /// as by ``neutralised(_:)``: at least one line. A CR that is not part of
    /// a CR LF is shown as `␍`, never sent, so a line cannot be overwritten.
    /// Callers decide how continuation lines are marked (History indents them).
    public static func neutralisedLines(_ text: String) -> [String] {
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if scalar == "\n" || (scalar == "\r" && pending == "\n") {
                if scalar == "\r" { pending = scalars.next() }
                lines.append(String(line))
                line = String.UnicodeScalarView()
                continue
            }
            append(scalar, to: &line)
        }
        lines.append(String(line))
        return lines
    }

    /// True when `scalar` must never reach a terminal raw.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F, 0x80...0x9F, 0x2028...0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func append(_ scalar: Unicode.Scalar, to result: inout String.UnicodeScalarView) {
        guard isUnsafe(scalar) else {
            result.append(scalar)
            return
        }
        switch scalar.value {
        case 0x09:
            result.append(contentsOf: String(repeating: " ", count: tabWidth).unicodeScalars)
        case 0x00...0x1F:
            // The Control Pictures block mirrors C0 one to one.
            result.append(Unicode.Scalar(0x2400 + scalar.value)!)
        case 0x7F:
            result.append("\u{2421}")  // ␡
        default:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            result.append(contentsOf: "<U+\(padded)>".unicodeScalars)
        }
    }
}
