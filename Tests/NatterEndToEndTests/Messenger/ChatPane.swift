import Foundation
import LabSupport

/// A real `natter chat` running in a detached tmux session of its own (its own
/// tmux server socket, so nothing else of the user's is touched), driven with
/// `tmux send-keys` the way a person types: the keyboard detector sees real
/// keystrokes, the window-state detector real focus-report sequences. The
/// tmux server runs inside the lab host, so its panes are terminals of the
/// host's own `/dev/pts` (netlab gives each host one), the ones the host's
/// daemon watches for input; tmux commands reach it through its socket.
struct ChatPane: Sendable {
    let server: String
    let session = "chat"

    static let netlab = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("lab/netlab").path

    /// Opens `natter chat PEER` on `host` and waits until it has drawn its screen.
    static func open(on host: LabHost, of messenger: MessengerLab, with peer: String) async throws -> ChatPane {
        let pane = ChatPane(server: "natter-e2e-\(messenger.lab.name)-\(host.name)")
        let chat = [messenger.natter, "chat", peer, "--data-dir", messenger.dataDirectory(host)]
        let started = try await messenger.lab.run(
            on: host, pane.tmuxCommand + ["new-session", "-d", "-s", pane.session, "-x", "100", "-y", "30", chat.map(shellQuote).joined(separator: " ")],
            environment: messenger.env(host).merging(["TERM": "xterm-256color", "TMUX": ""]) { _, fixed in fixed }, timeout: .seconds(10))
        guard started.status == 0 else { throw MessengerLabError("tmux new-session on \(host.name) failed: \(started.stderr)") }
        try await pane.tmux(["set-option", "-t", pane.session, "focus-events", "on"])
        try await pane.waitForScreen(containing: "────")  // the rule above the input line (capture-pane trims the "> ")
        // A detached tmux session has no focused client, so tmux reports the pane
        // unfocused as soon as the chat turns focus reporting on. The user is
        // looking at this window: report focus, as their terminal would.
        try await pane.focusIn()
        return pane
    }

    /// Opens a chat pane, runs `body` with it, and closes it afterwards, also when `body` throws.
    static func with<T: Sendable>(
        on host: LabHost, of messenger: MessengerLab, peer: String, _ body: (ChatPane) async throws -> T
    ) async throws -> T {
        let pane = try await open(on: host, of: messenger, with: peer)
        do {
            let result = try await body(pane)
            await pane.close()
            return result
        } catch {
            await pane.close()
            throw error
        }
    }

    func type(_ text: String) async throws { try await tmux(["send-keys", "-t", session, "-l", text]) }
    func press(_ key: String) async throws { try await tmux(["send-keys", "-t", session, key]) }
    /// The focus-out report a terminal sends when the pane loses focus: CSI O.
    func focusOut() async throws { try await tmux(["send-keys", "-t", session, "-H", "1b", "5b", "4f"]) }
    /// The focus-in report: CSI I.
    func focusIn() async throws { try await tmux(["send-keys", "-t", session, "-H", "1b", "5b", "49"]) }

    func screen() async -> String { (try? await tmux(["capture-pane", "-p", "-t", session])) ?? "" }

    func waitForScreen(containing text: String, timeout: Duration = .seconds(10)) async throws {
        try await waitUntil("the chat pane to show \"\(text)\"", timeout: timeout, detail: { "it shows:\n\(await screen())" }) {
            await screen().contains(text)
        }
    }

    /// True while the chat process is still running in its pane.
    func isRunning() async -> Bool {
        ((try? await tmux(["list-panes", "-t", session, "-F", "#{pane_dead}"])) ?? "1").trimmingCharacters(in: .whitespacesAndNewlines) == "0"
    }

    func close() async { _ = try? await tmux(["kill-server"]) }

    /// tmux on this pane's own server socket, without the user's configuration.
    var tmuxCommand: [String] { ["/usr/bin/tmux", "-L", server, "-f", "/dev/null"] }

    @discardableResult
    func tmux(_ arguments: [String]) async throws -> String {
        let result = try await runCommand(tmuxCommand + arguments, timeout: .seconds(10))
        guard result.status == 0 else {
            throw MessengerLabError("tmux \(arguments.first ?? "") failed: \(result.stderr)")
        }
        return result.stdout
    }
}

private func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
