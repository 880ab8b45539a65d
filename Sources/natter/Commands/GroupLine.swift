import Foundation
import NatterAPI
import NatterTerminal

/// "[12:03] #Lunch Alice: text", with "delivered to 2 of 3" on this user's
/// own messages; a membership change reads "[12:03] #Lunch — Alice added
/// Dave" (followed by "(refused: it changed nothing)" when the rules refused
/// it at its place in the order), a broadcast "[12:03] (to everyone) Alice:
/// text". Colleagues' names and text are neutralised, as in
/// ``formatLine(_:ownName:)``.
func formatGroupLine(_ message: GroupMessageView, ownName: String = "me") -> String {
    let time = Date(timeIntervalSince1970: Double(message.sentAt) / 1000)
    let formatter = DateFormatter()
    formatter.dateFormat = "HH:mm"
    let place = message.groupName.map { "#" + TerminalText.neutralised($0) } ?? "(to everyone)"
    let who = TerminalText.neutralised(message.direction == .outgoing ? ownName : message.authorName)
    switch message.kind {
    case .change:
        let refused = message.refused == true ? " (refused: it changed nothing)" : ""
        return "[\(formatter.string(from: time))] \(place) — \(TerminalText.neutralised(message.text))\(refused)"
    case .message, .broadcast:
        let mark = message.recipients.map { " (delivered to \(message.delivered ?? 0) of \($0))" } ?? ""
        return "[\(formatter.string(from: time))] \(place) \(who): \(indentedText(message.text))\(mark)"
    }
}
