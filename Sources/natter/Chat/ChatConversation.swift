import NatterAPI
import NatterTerminal

/// What a chat window is to `natter chat`: a one-to-one conversation or a
/// group. The views are pure (NatterTerminal); sending is this command's I/O.
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

extension GroupConversationView: ChatConversation {
    mutating func submit(_ text: String, with client: LocalAPIClient) throws {
        // By id: another of the user's groups may have the same name.
        apply(try client.sendToGroup("#" + group, text: text))
    }
}
