import ArgumentParser
import Foundation
import NatterAPI
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
    @Argument(help: "The colleague: a display name or a fingerprint prefix, or a group '#Name'.") var peer: String

    /// How much of the conversation the window loads when it opens.
    static let historyShown = 200

    /// Everything the window reacts to, in arrival order.
    enum Input: Sendable {
        case key(TerminalInput)
        case event(APIEvent)
        case resized
        case streamEnded
        case terminated
    }

    func run() async throws {
        let client = instance.client
        let window = try client.openWindow(with: peer)
        let status = try client.status()
        var conversation: any ChatConversation
        if peer.hasPrefix("#") {
            var group = GroupConversationView(
                window: window, ownName: status.name, history: try client.groupHistory("#" + window.peer, limit: Self.historyShown))
            if let view = try client.groups().first(where: { $0.id == window.peer }) { group.start(from: view) }
            conversation = group
        } else {
            var oneToOne = ConversationView(peer: window.peer, peerName: window.peerName, ownName: status.name)
            oneToOne.load(try client.history(with: window.peer, limit: Self.historyShown))
            if let colleague = try client.peers().first(where: { $0.fingerprint == window.peer }) { oneToOne.start(from: colleague) }
            conversation = oneToOne
        }

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
            try? client.streamEvents("/v1/events?window=\(window.window)") { event in
                continuation.yield(.event(event))
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
        func report(_ signal: DetectorSignal) {
            try? client.signal(signal, window: window.window)
        }
        report(.focused)
        terminal.write(conversation.render(input: input.text, size: terminal.size))

        loop: for await next in inputs {
            switch next {
            case .key(.quit), .terminated:
                break loop
            case .key(.focusIn):
                report(.focused)
            case .key(.focusOut):
                report(.unfocused)
            case .key(let key):
                switch input.apply(key) {
                case .edited: report(.keystroke)
                case .cleared: report(.inputCleared)
                case .unchanged: report(.activity)
                case .submitted(let text):
                    do {
                        try conversation.submit(text, with: client)
                        conversation.notice = nil
                    } catch {
                        conversation.notice = String(describing: error)
                    }
                    report(.messageSent)
                }
            case .event(let event):
                conversation.apply(event)
            case .resized:
                break
            case .streamEnded:
                conversation.notice = "The natter daemon stopped; messages cannot be sent until it runs again."
            }
            terminal.write(conversation.render(input: input.text, size: terminal.size))
        }
        report(.closed)
        try? client.closeWindow(window.window)
    }
}
