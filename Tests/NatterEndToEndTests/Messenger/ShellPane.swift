import Foundation
import LabSupport

/// A shell in a second pane of a ``ChatPane``'s tmux session: the "other
/// program" the user works in while natter's window stays open. Its
/// terminal is a `/dev/pts` device whose access time the kernel moves when
/// the shell reads a keystroke — what natter's terminal idle source watches.
struct ShellPane: Sendable {
    let chat: ChatPane
    /// tmux's pane id (`%N`).
    let id: String

    /// Splits the chat's window and starts bash beside it, leaving the chat pane active. bash, not
    /// `sh`: its line editor reads each key as it is typed, as a user's shell does (a shell in
    /// canonical mode reads nothing until Enter, so a half-typed line moves no access time).
    static func open(beside chat: ChatPane) async throws -> ShellPane {
        let id = try await chat.tmux(["split-window", "-d", "-t", chat.session, "-P", "-F", "#{pane_id}", "/bin/bash --norc --noprofile"])
        return ShellPane(chat: chat, id: id.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The pane's terminal device (`/dev/pts/N`).
    func terminal() async throws -> String {
        try await chat.tmux(["display-message", "-p", "-t", id, "#{pane_tty}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Types a command and Enter, as the user would.
    func run(_ command: String) async throws {
        try await chat.tmux(["send-keys", "-t", id, "-l", command])
        try await chat.tmux(["send-keys", "-t", id, "Enter"])
    }

    /// One keystroke, nothing else.
    func press(_ key: String) async throws { try await chat.tmux(["send-keys", "-t", id, "-l", key]) }
}
