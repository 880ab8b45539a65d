import ArgumentParser
import Foundation
import NatterNode
import NatterTerminal

/// `natter chat PEER`: the conversation window of the patent's client.
///
/// It is a thin front end: it reports detector signals (keystrokes, clearing
/// the input, sending, focus in/out, opening and closing) to the daemon, whose
/// session-state engine decides what the colleague sees, and it shows the
/// colleague's messages and live state line from the daemon's event stream.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the conversation window with a colleague.",
        discussion: "Enter sends, Ctrl-U clears the line, Ctrl-C or Ctrl-D closes the window. In tmux, enable focus reporting with: set -g focus-events on")

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague: a display name or a fingerprint prefix.") var peer: String

    /// Everything the window reacts to, in arrival order.
    enum Input: Sendable {
        case key(TerminalInput)
        case event(name: String, data: String)
        case resized
        case streamEnded
        case terminated
    }

    func run() async throws {
        let client = instance.client
        let window = try client.post("/v1/windows", OpenWindowRequest(peer: peer), as: WindowView.self)
        let history = try client.get("/v1/messages?peer=\(queryValue(window.peer))&limit=200", as: [MessageView].self)
        let status = try client.get("/v1/status", as: StatusView.self)

        var conversation = ConversationView(peer: window.peer, peerName: window.peerName, ownName: status.name)
        conversation.load(history)

        let terminal = Terminal()
        try terminal.enterRawMode()
        defer { terminal.restore() }

        let (inputs, continuation) = AsyncStream<Input>.makeStream()
        let keyboard = Thread {
            var decoder = KeyDecoder()
            var buffer = [UInt8](repeating: 0, count: 1024)
            while true {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { continuation.yield(.key(.quit)); return }
                for key in decoder.feed(buffer[0..<count]) { continuation.yield(.key(key)) }
            }
        }
        keyboard.start()
        let stream = Thread {
            try? client.events("/v1/events?window=\(window.window)") { name, data in
                continuation.yield(.event(name: name, data: data))
                return true
            }
            continuation.yield(.streamEnded)
        }
        stream.start()
        let signals = [SIGWINCH, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(number == SIGWINCH ? .resized : .terminated) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        var input = InputLine()
        let signalPath = "/v1/windows/\(window.window)/signals"
        func report(_ signal: String) {
            _ = try? client.post(signalPath, SignalRequest(signal: signal), as: EmptyReply.self)
        }
        report("focused")
        terminal.write(conversation.render(input: input.text, size: terminal.size))

        loop: for await next in inputs {
            switch next {
            case .key(.quit), .terminated:
                break loop
            case .key(.focusIn):
                report("focused")
            case .key(.focusOut):
                report("unfocused")
            case .key(let key):
                switch input.apply(key) {
                case .edited: report("keystroke")
                case .cleared: report("inputCleared")
                case .unchanged: report("activity")
                case .submitted(let text):
                    do {
                        let sent = try client.post("/v1/messages", SendRequest(peer: window.peer, text: text), as: MessageView.self)
                        conversation.notice = nil
                        conversation.apply(sent)
                    } catch {
                        conversation.notice = String(describing: error)
                    }
                    report("messageSent")
                }
            case .event(_, let data):
                conversation.apply(event: data)
            case .resized:
                break
            case .streamEnded:
                conversation.notice = "The natter daemon stopped; messages cannot be sent until it runs again."
            }
            terminal.write(conversation.render(input: input.text, size: terminal.size))
        }
        report("closed")
        try? client.delete("/v1/windows/\(window.window)")
    }
}
