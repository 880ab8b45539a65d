import Foundation
import LabSupport
import Testing

/// Issue 16 item 3: what a colleague writes is shown, never obeyed. Bob sends
/// Alice a message that would set her terminal's title, clear her screen and
/// forge a line over the real one, under a name with a bidirectional override;
/// Mallory publishes a name with escape sequences in it. Every terminal output
/// of Alice's is read as raw bytes, and `--json` must still carry the exact text.
@Suite("Terminal safety of colleagues' text and names", .enabled(if: LabGate.isAvailable), .serialized)
struct TerminalSafetyTests {
    /// Title, clear screen, CR and a forged line; a C1 CSI; a Trojan Source override; a real line break.
    static let hostileText = "\u{1B}]0;pwned\u{07}\u{1B}[2J\rforged line \u{9B}31mred\u{202E}txt.exe\nsecond line"
    static let hostileTextShown = "␛]0;pwned␇␛[2J␍forged line <U+009B>31mred<U+202E>txt.exe"
    /// Pinnable (no Cc), so Bob's links are accepted and his messages arrive.
    static let bobName = "Bob\u{202E}evil"
    static let bobNameShown = "Bob<U+202E>evil"
    /// Not pinnable: Alice refuses Mallory's hello, but Mallory's sealed mDNS
    /// record still names a colleague in `natter peers`.
    static let malloryName = "Mallory\u{1B}]0;owned\u{07}\u{1B}[2J"
    static let malloryNameShown = "Mallory␛]0;owned␇␛[2J"

    /// The characters a terminal would obey (LF aside: outputs end their lines with it).
    static func obeyed(in output: String) -> [Unicode.Scalar] {
        output.unicodeScalars.filter { scalar in
            switch scalar.value {
            case 0x0A: false
            case 0x00...0x1F, 0x7F, 0x80...0x9F, 0x2028...0x2029, 0x202A...0x202E, 0x2066...0x2069: true
            default: false
            }
        }
    }

    @Test func hostileTextAndNamesReachNoTerminalOutputRaw() async throws {
        try await withMessengerLab(["Alice", Self.bobName, "Mallory"], startDaemons: false) { lab in
            let (alice, bob, mallory) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            let config = lab.dataDirectory(mallory) + "/config.toml"
            let text = try String(contentsOfFile: config, encoding: .utf8)
            #expect(text.contains("name = \"Mallory\""))
            try text.replacingOccurrences(of: "name = \"Mallory\"", with: "name = \"Mallory\\u001B]0;owned\\u0007\\u001B[2J\"")
                .write(toFile: config, atomically: true, encoding: .utf8)
            for host in lab.hosts { try await lab.startDaemon(host) }
            try await lab.waitUntilOnline(alice, sees: Self.bobName)
            try await lab.waitUntilOnline(bob, sees: "Alice")
            try await waitUntil("Alice to list Mallory's claimed name", timeout: .seconds(20)) {
                try await lab.peers(of: alice).contains { $0.name == Self.malloryName }
            }
            let bobPrefix = String(try #require(try await lab.peers(of: alice).first { $0.name == Self.bobName }).fingerprint.prefix(8))

            let watch = try await lab.lab.spawn(
                on: alice, [lab.natter, "watch", "--data-dir", lab.dataDirectory(alice)], environment: lab.env(alice))
            let jsonWatch = try await lab.watch(alice)
            try await ChatPane.with(on: alice, of: lab, peer: bobPrefix) { pane in
                // Every byte natter chat writes to its terminal, as the terminal receives it.
                let raw = lab.root + "/chat-output"
                try await pane.tmux(["pipe-pane", "-t", pane.session, "-o", "cat >> '\(raw)'"])

                try await lab.cli(bob, ["send", "Alice", Self.hostileText])
                try await pane.waitForScreen(containing: "second line")
                let screen = await pane.screen()
                #expect(screen.contains("natter — \(Self.bobNameShown)"), "the title names Bob: \(screen)")
                #expect(screen.contains(Self.hostileTextShown), "shown visibly: \(screen)")
                #expect(screen.contains("\n    second line"), "a continuation line is indented: \(screen)")
                let title = try await pane.tmux(["display-message", "-p", "-t", pane.session, "#{pane_title}"])
                #expect(!title.contains("pwned"), "the message set the pane's title: \(title)")

                // tmux hands the bytes to `cat` a moment after it drew them.
                var bytes = ""
                try await waitUntil("the chat's raw output to hold the message", timeout: .seconds(5), detail: { bytes.debugDescription }) {
                    bytes = (try? String(contentsOfFile: raw, encoding: .utf8)) ?? ""
                    return bytes.contains(Self.hostileTextShown)
                }
                // The chat draws with its own escape sequences (ESC [ H, ESC [ 2 J, bold, dim)
                // and ends rows with CR LF: only the colleague's may not be there.
                #expect(!bytes.contains("\u{1B}]"), "an operating-system command (window title) reached the terminal")
                #expect(!bytes.contains("\u{07}"), "a BEL reached the terminal")
                #expect(!bytes.contains("\rforged"), "a bare CR from the message reached the terminal")
                #expect(!bytes.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "a C1 control reached the terminal")
                #expect(!bytes.unicodeScalars.contains { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) },
                    "a bidirectional override or isolate reached the terminal")
            }

            let history = try await lab.cli(alice, ["history", bobPrefix]).stdout
            #expect(history.contains("] \(Self.bobNameShown): \(Self.hostileTextShown)\n    second line\n"), "history shows: \(history)")
            #expect(Self.obeyed(in: history).isEmpty, "history printed \(Self.obeyed(in: history))")

            try await waitUntil("the plain watch to print the message", timeout: .seconds(10), detail: { watch.output() }) {
                watch.output().contains("second line")
            }
            let watched = watch.output()
            #expect(watched.contains(Self.hostileTextShown))
            #expect(Self.obeyed(in: watched).isEmpty, "watch printed \(Self.obeyed(in: watched))")

            let peers = try await lab.cli(alice, ["peers"]).stdout
            #expect(peers.contains(Self.bobNameShown) && peers.contains(Self.malloryNameShown), "peers shows: \(peers)")
            #expect(Self.obeyed(in: peers).isEmpty, "peers printed \(Self.obeyed(in: peers))")

            // Errors quote the daemon's sentences, which can name colleagues (an
            // ambiguous PEER lists them); an unknown PEER echoes the query the same way.
            let refused = try await lab.cli(alice, ["history", "Nobody\u{1B}]0;pwned\u{07}"], expectSuccess: false)
            #expect(refused.status != 0 && refused.stderr.contains("no colleague matches \"Nobody␛]0;pwned␇\""), "stderr: \(refused.stderr)")
            #expect(Self.obeyed(in: refused.stderr).isEmpty, "the error printed \(Self.obeyed(in: refused.stderr))")

            // natter up's log quotes the name it pinned: neutralised too.
            let log = try #require(lab.daemon(alice)).output()
            #expect(log.contains("pinned \(Self.bobNameShown)'s device key"), "the log shows: \(log.suffix(2000))")
            #expect(!log.contains(Self.bobName))

            // --json stays exact: JSON escaping makes it inert, and scripts get every character.
            try await jsonWatch.wait(for: "the message as JSON") { _ in jsonWatch.incomingMessages().map(\.text) == [Self.hostileText] }
            let jsonHistory = try await lab.cli(alice, ["history", bobPrefix, "--json"]).stdout
            let decoded = jsonHistory.split(separator: "\n").compactMap { try? JSONDecoder().decode(Stored.self, from: Data($0.utf8)) }
            #expect(decoded.map(\.text) == [Self.hostileText] && decoded.map(\.peerName) == [Self.bobName])
            // JSON escapes C0 itself (it passes C1 and bidi characters through: exact, not neutralised).
            #expect(!jsonHistory.contains("\u{1B}") && !jsonHistory.contains("\u{07}") && !jsonHistory.contains("\r"))
            #expect(try await lab.peers(of: alice).map(\.name).contains(Self.malloryName), "peers --json keeps the exact name")
        }
    }

    /// The fields of a `natter history --json` line this test reads.
    struct Stored: Decodable {
        let text: String
        let peerName: String
    }
}
