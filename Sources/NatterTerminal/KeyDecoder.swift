/// What the chat window reacts to, decoded from the terminal's input bytes.
public enum TerminalInput: Equatable, Sendable {
    /// Printable text (one or more complete characters, any script).
    case text(String)
    case enter
    case backspace
    /// Ctrl-U: clear the input line.
    case clearLine
    /// Ctrl-C or Ctrl-D: leave the conversation.
    case quit
    /// Focus reporting (`CSI ?1004h`): the terminal or tmux pane gained focus (`CSI I`).
    case focusIn
    /// … or lost it (`CSI O`).
    case focusOut
    /// Any other key or escape sequence (arrows, function keys): still user activity.
    case otherKey
}

/// Turns raw terminal bytes into ``TerminalInput``s.
///
/// Reads may split a UTF-8 character or an escape sequence anywhere; the
/// decoder keeps the incomplete tail until the rest arrives. Invalid UTF-8 is
/// replaced (U+FFFD) rather than stalling the input.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [TerminalInput] {
        pending += bytes
        var inputs: [TerminalInput] = []
        var textBytes: [UInt8] = []
        func flushText() {
            if !textBytes.isEmpty {
                inputs.append(.text(String(decoding: textBytes, as: UTF8.self)))
                textBytes.removeAll()
            }
        }
        var index = 0
        decoding: while index < pending.count {
            let byte = pending[index]
            switch byte {
            case 0x0D, 0x0A:
                flushText(); inputs.append(.enter); index += 1
            case 0x7F, 0x08:
                flushText(); inputs.append(.backspace); index += 1
            case 0x15:
                flushText(); inputs.append(.clearLine); index += 1
            case 0x03, 0x04:
                flushText(); inputs.append(.quit); index += 1
            case 0x1B:
                guard let (input, length) = Self.escapeSequence(pending[index...]) else { break decoding }
                flushText(); inputs.append(input); index += length
            case 0x00..<0x20:
                flushText(); inputs.append(.otherKey); index += 1
            default:
                let length = Self.utf8Length(leading: byte)
                guard index + length <= pending.count else { break decoding }
                textBytes += pending[index..<index + length]
                index += length
            }
        }
        flushText()
        pending.removeFirst(index)
        return inputs
    }

    /// Decodes an escape sequence at the start of `bytes`; nil if incomplete.
    private static func escapeSequence(_ bytes: ArraySlice<UInt8>) -> (TerminalInput, Int)? {
        let start = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        let second = bytes[start + 1]
        guard second == UInt8(ascii: "[") || second == UInt8(ascii: "O") else {
            return (.otherKey, 2)  // Alt+key and similar
        }
        if second == UInt8(ascii: "O") {
            return bytes.count >= 3 ? (.otherKey, 3) : nil  // SS3: F1–F4, keypad
        }
        // CSI: parameter and intermediate bytes, then one final byte 0x40–0x7E (ECMA-48 §5.4).
        var index = start + 2
        while index < bytes.endIndex {
            let byte = bytes[index]
            if (0x40...0x7E).contains(byte) {
                let length = index - start + 1
                if length == 3 && byte == UInt8(ascii: "I") { return (.focusIn, 3) }
                if length == 3 && byte == UInt8(ascii: "O") { return (.focusOut, 3) }
                return (.otherKey, length)
            }
            guard (0x20...0x3F).contains(byte), index - start < 32 else { return (.otherKey, index - start + 1) }
            index += 1
        }
        return nil
    }

    private static func utf8Length(leading byte: UInt8) -> Int {
        switch byte {
        case 0xC0...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF7: 4
        default: 1  // ASCII, or a stray continuation byte decoded as U+FFFD
        }
    }
}
