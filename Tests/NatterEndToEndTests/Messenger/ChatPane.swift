import Foundation
import LabSupport

/// A real `natter chat` running in a detached tmux session of its own (its own
/// tmux server socket, so nothing else of the user's is touched), driven with
/// `tmux send-keys` the way a person types: the keyboard detector sees real
/// keystrokes, the window-state detector real focus-report sequences.
struct ChatPane: Sendable {
    let server: String
    let session = "chat"

    static let netlab = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("lab/netlab").path

    /// Opens `natter chat PEER` on `host` and waits until it shows its input line.
    static func open(on host: LabHost, of messenger: MessengerLab, with peer: String) async throws -> ChatPane {
        let pane = ChatPane(server: "natter-e2e-\(messenger.lab.name)-\(host.name)")
        var command = [netlab, "exec", messenger.lab.name, host.name]
        for (key, value) in messenger.env(host) { command += ["--env", "\(key)=\(value)"] }
        command += ["--", messenger.natter, "chat", peer, "--data-dir", messenger.dataDirectory(host)]
        try pane.tmux(["new-session", "-d", "-s", pane.session, "-x", "100", "-y", "30", command.map(shellQuote).joined(separator: " ")])
        try pane.tmux(["set-option", "-t", pane.session, "focus-events", "on"])
        try await pane.waitForScreen(containing: "> ")
        return pane
    }

    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }
    func press(_ key: String) throws { try tmux(["send-keys", "-t", session, key]) }
    /// The focus-out report a terminal sends when the pane loses focus: CSI O.
    func focusOut() throws { try tmux(["send-keys", "-t", session, "-H", "1b", "5b", "4f"]) }
    /// The focus-in report: CSI I.
    func focusIn() throws { try tmux(["send-keys", "-t", session, "-H", "1b", "5b", "49"]) }

    func screen() -> String { (try? tmux(["capture-pane", "-p", "-t", session])) ?? "" }

    func waitForScreen(containing text: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if screen().contains(text) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw MessengerLabError("the chat pane never showed \"\(text)\"; it shows:\n\(screen())")
    }

    /// True while the chat process is still running in its pane.
    var isRunning: Bool {
        ((try? tmux(["list-panes", "-t", session, "-F", "#{pane_dead}"])) ?? "1").trimmingCharacters(in: .whitespacesAndNewlines) == "0"
    }

    func close() { _ = try? tmux(["kill-server"]) }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", server, "-f", "/dev/null"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw MessengerLabError("tmux \(arguments.first ?? "") failed: \(text)") }
        return text
    }
}

private func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
