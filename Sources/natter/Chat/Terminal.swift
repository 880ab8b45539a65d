import Foundation

/// The controlling terminal in raw mode, with focus reporting on.
///
/// Raw mode hands every key to the chat window at once (the keyboard detector
/// needs each keystroke, not lines); focus reporting (`CSI ?1004h`, which tmux
/// forwards with `focus-events on`) is the window-state detector. `restore()`
/// puts everything back, and must run on every exit path.
final class Terminal: @unchecked Sendable {
    // Mutated only by enterRawMode/restore on the main task.
    private var original = termios()
    private var isRaw = false

    func enterRawMode() throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIError("natter chat needs a terminal; use natter send and natter watch from scripts")
        }
        tcgetattr(STDIN_FILENO, &original)
        var raw = original
        cfmakeraw(&raw)
        raw.c_oflag |= tcflag_t(OPOST | ONLCR)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        isRaw = true
        // Alternate screen, focus reporting on.
        write("\u{1B}[?1049h\u{1B}[?1004h")
    }

    func restore() {
        guard isRaw else { return }
        write("\u{1B}[?1004l\u{1B}[?1049l")
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
        isRaw = false
    }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Columns and rows; 80×24 when the size is unknown.
    var size: (columns: Int, rows: Int) {
        var window = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 {
            return (Int(window.ws_col), Int(window.ws_row))
        }
        return (80, 24)
    }
}
