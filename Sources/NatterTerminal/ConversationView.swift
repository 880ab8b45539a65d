public import NatterAPI

/// What the chat window shows for one conversation, updated from history and
/// from the daemon's events.
public struct ConversationView {
    public let peer: String
    public let peerName: String
    public let ownName: String
    private var messages: [MessageView] = []
    private var stateText: String?
    private var online = true
    public var notice: String?

    public init(peer: String, peerName: String, ownName: String) {
        self.peer = peer
        self.peerName = peerName
        self.ownName = ownName
    }

    public mutating func load(_ history: [MessageView]) {
        messages = history
    }

    /// Starts from what the colleague shows now (`GET /v1/peers`): a window
    /// opened while they are reading or typing says so at once, not only at
    /// their next change.
    public mutating func start(from colleague: PeerView) {
        guard colleague.fingerprint == peer else { return }
        online = colleague.online
        stateText = colleague.online ? colleague.text : nil
    }

    public mutating func apply(_ message: MessageView) {
        guard message.peer == peer else { return }
        if let index = messages.firstIndex(where: { $0.id == message.id }) {
            messages[index] = message
        } else {
            messages.append(message)
        }
    }

    public mutating func apply(_ event: APIEvent) {
        switch event {
        case .message(let message), .delivery(let message):
            apply(message)
        case .state(let state) where state.peer == peer:
            stateText = state.text
        case .peer(let colleague) where colleague.fingerprint == peer:
            online = colleague.online
            if !online { stateText = nil }
        case .state, .peer, .conflict, .groupMessage, .groupDelivery, .groupState, .group:
            break
        }
    }

    /// The line under the conversation: what the colleague shows, if anything.
    public var stateLine: String? { stateText }

    public func render(input: String, size: (columns: Int, rows: Int)) -> String {
        var screen = ChatScreen(title: "natter — \(peerName)\(online ? "" : " (offline: messages wait in the outbox)")")
        screen.lines = messages.suffix(size.rows).map { formatLine($0, ownName: ownName) }  // each fills a row at least
        screen.stateLine = stateText
        screen.notice = notice
        screen.input = input
        return screen.render(columns: size.columns, rows: size.rows)
    }
}
