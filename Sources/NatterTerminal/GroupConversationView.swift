public import NatterAPI

/// What the chat window shows for a group (`natter chat '#Lunch'`): the
/// conversation in the agreed order, and one state line per member who
/// shows something ("Alice is typing… · Bob is reading your message").
public struct GroupConversationView {
    /// The group's id (32 hex digits), as the window and the events name it.
    public let group: String
    public let groupName: String
    public let ownName: String
    private var messages: [GroupMessageView] = []
    /// Each member's line, by fingerprint.
    private var stateLines: [String: String] = [:]
    /// The members' fingerprints in the roster's order, as `GroupView`
    /// lists them: the order of the state line, the same as the web UI's.
    private var memberOrder: [String] = []
    public var notice: String?

    public init(window: WindowView, ownName: String, history: [GroupMessageView]) {
        group = window.peer
        groupName = window.peerName
        self.ownName = ownName
        messages = history
    }

    /// Starts from what each member shows now (`GET /v1/groups`): a window
    /// opened while Bob is reading says so at once, not only at his next change.
    public mutating func start(from view: GroupView) {
        guard view.id == group else { return }
        memberOrder = view.members.map(\.fingerprint)
        stateLines = Dictionary(view.members.compactMap { member in member.text.map { (member.fingerprint, $0) } }, uniquingKeysWith: { $1 })
    }

    public mutating func apply(_ event: APIEvent) {
        switch event {
        case .groupMessage(let message), .groupDelivery(let message):
            apply(message)
        case .groupState(let state) where state.group == group:
            stateLines[state.member] = state.text
        case .group(let view) where view.id == group:
            memberOrder = view.members.map(\.fingerprint)
        default:
            break
        }
    }

    /// The members' lines in the roster's order, joined on one line.
    public var stateLine: String? {
        let place = Dictionary(memberOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let lines = stateLines.sorted { (place[$0.key] ?? Int.max, $0.key) < (place[$1.key] ?? Int.max, $1.key) }.map(\.value)
        return lines.isEmpty ? nil : lines.joined(separator: " · ")
    }

    public func render(input: String, size: (columns: Int, rows: Int)) -> String {
        var screen = ChatScreen(title: "natter — \(groupName)")
        screen.lines = messages.suffix(size.rows).map { formatGroupLine($0, ownName: ownName) }  // each fills a row at least
        screen.stateLine = stateLine
        screen.notice = notice
        screen.input = input
        return screen.render(columns: size.columns, rows: size.rows)
    }

    public mutating func apply(_ message: GroupMessageView) {
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
