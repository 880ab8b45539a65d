import ArgumentParser
import NatterAPI
import NatterTerminal

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow messages, delivery receipts, session states and colleagues coming and going.",
        discussion: "With --json, one JSON object per line with a \"type\" of message, delivery, state, peer, conflict, groupMessage, groupDelivery, groupState or group.")

    @OptionGroup var instance: InstanceOptions
    @Flag(help: "One JSON object per line.") var json = false

    func run() throws {
        try instance.client.streamEvents { event in
            writeLine(json ? ((try? APIJSON.line(event)) ?? "") : Self.describe(event))
            return true
        }
    }

    /// One line a person reads. Names and texts are a colleague's, so they
    /// are neutralised (`TerminalText`); `--json` prints them exactly.
    static func describe(_ event: APIEvent) -> String {
        switch event {
        case .message(let message):
            formatLine(message)
        case .delivery(let message):
            "delivered to \(TerminalText.neutralised(message.peerName)): \(indentedText(message.text))"
        case .state(let state):
            TerminalText.neutralised(state.text ?? "\(state.peerName): nothing to show")
        case .peer(let peer):
            "\(TerminalText.neutralised(peer.name)) is \(peer.online ? (peer.status?.rawValue ?? "online") : "offline")"
        case .conflict(let conflict):
            Peers.describe(conflict)
        case .groupMessage(let message):
            formatGroupLine(message)
        case .groupDelivery(let message):
            "delivered to \(message.delivered ?? 0) of \(message.recipients ?? 0) in \(message.groupName.map { "#" + TerminalText.neutralised($0) } ?? "everyone"): \(indentedText(message.text))"
        case .groupState(let state):
            "#\(TerminalText.neutralised(state.groupName)): " + TerminalText.neutralised(state.text ?? "\(state.memberName): nothing to show")
        case .group(let group):
            Group.describe(group)
        }
    }
}
