/// The chat window's input box: what the keyboard detector watches.
///
/// It reports what each key did to the text, because the session-state engine
/// cares about the difference between a keystroke, clearing the box and sending.
public struct InputLine: Sendable, Equatable {
    public private(set) var text = ""

    /// What an input did to the box.
    public enum Change: Equatable, Sendable {
        /// Text changed and is not empty: a keystroke in the input box.
        case edited
        /// The box became empty without sending.
        case cleared
        /// Enter with text: the text to send (the box is now empty).
        case submitted(String)
        /// Nothing changed (e.g. backspace in an empty box, Enter with nothing typed).
        case unchanged
    }

    public init() {}

    public mutating func apply(_ input: TerminalInput) -> Change {
        switch input {
        case .text(let typed):
            let printable = typed.filter { !$0.isNewline }
            guard !printable.isEmpty else { return .unchanged }
            text += printable
            return .edited
        case .backspace:
            guard !text.isEmpty else { return .unchanged }
            text.removeLast()
            return text.isEmpty ? .cleared : .edited
        case .clearLine:
            guard !text.isEmpty else { return .unchanged }
            text = ""
            return .cleared
        case .enter:
            guard !text.allSatisfy(\.isWhitespace) else { return .unchanged }
            defer { text = "" }
            return .submitted(text)
        case .quit, .focusIn, .focusOut, .otherKey:
            return .unchanged
        }
    }
}
