import NatterAPI
import NatterTerminal

/// What the chat window shows for a group (`natter chat '#Lunch'`): the
/// conversation in the agreed order, and one state line per member who
/// shows something ("Alice is typing… · Bob is reading your message").
struct GroupConversationView: ChatConversation {
    let group: String
    let groupName: String
    let ownName: String
    private var messages: [GroupMessageView] = []
    /// Each member's line, by fingerprint.
    private var stateLines: [String: String] = [:]
    var notice: String?

    init(window: WindowView, ownName: String, history: [GroupMessageView]) {
        group = window.peer
        groupName = window.peerName
        self.ownName = ownName
        messages = history
    }

    mutating func apply(_ event: APIEvent) {
        switch event {
        case .groupMessage(let message), .groupDelivery(let message):
            apply(message)
        case .groupState(let state) where state.group == group:
            stateLines[state.member] = state.text
        default:
            break
        }
    }

    mutating func submit(_ text: String, with client: LocalAPIClient) throws {
        apply(try client.sendToGroup(groupName, text: text))
    }

    /// The members' lines in a stable order (by fingerprint), joined on one line.
    var stateLine: String? {
        let lines = stateLines.sorted { $0.key < $1.key }.map(\.value)
        return lines.isEmpty ? nil : lines.joined(separator: " · ")
    }

    func render(input: String, size: (columns: Int, rows: Int)) -> String {
        var screen = ChatScreen(title: "natter — \(groupName)")
        screen.lines = messages.suffix(size.rows).map { formatGroupLine($0, ownName: ownName) }  // each fills a row at least
        screen.stateLine = stateLine
        screen.notice = notice
        screen.input = input
        return screen.render(columns: size.columns, rows: size.rows)
    }

    private mutating func apply(_ message: GroupMessageView) {
        guard message.group == group else { return }
        if let index = messages.firstIndex(where: { $0.id == message.id }) {
            messages[index] = message
        } else {
            // In the agreed order; a tie on the timestamp (two authors in
            // the same millisecond and counter) keeps arrival order here,
            // and history has the exact order.
            messages.insert(message, at: messages.firstIndex { $0.timestamp > message.timestamp } ?? messages.endIndex)
        }
    }
}

/// What a chat window is to `natter chat`: a one-to-one conversation or a group.
protocol ChatConversation {
    var notice: String? { get set }
    mutating func apply(_ event: APIEvent)
    mutating func submit(_ text: String, with client: LocalAPIClient) throws
    func render(input: String, size: (columns: Int, rows: Int)) -> String
}

extension ConversationView: ChatConversation {
    mutating func submit(_ text: String, with client: LocalAPIClient) throws {
        apply(try client.send(to: peer, text: text))
    }
}
