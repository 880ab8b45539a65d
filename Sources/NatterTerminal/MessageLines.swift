import Foundation
public import NatterAPI

/// "[12:03] #Lunch Alice: text", with "delivered to 2 of 3" on this user's
/// own messages; a membership change reads "[12:03] #Lunch — Alice added
/// Dave" (followed by "(refused: it changed nothing)" when the rules refused
/// it at its place in the order), a broadcast "[12:03] (to everyone) Alice:
/// text". Colleagues' names and text are neutralised, as in
/// ``formatLine(_:ownName:)``.
public func formatGroupLine(_ message: GroupMessageView, ownName: String = "me") -> String {
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

/// "[12:03] Alice: text" with a delivery mark on outgoing messages.
///
/// The name and text come from a colleague, so they pass through
/// `TerminalText`: no control character reaches the terminal. A message's own
/// line breaks are kept, its continuation lines indented by
/// ``continuationIndent``, so every line that starts at the left margin is the
/// start of a real message and a message cannot forge one.
public func formatLine(_ message: MessageView, ownName: String = "me") -> String {
    let time = Date(timeIntervalSince1970: Double(message.sentAt) / 1000)
    let formatter = DateFormatter()
    formatter.dateFormat = "HH:mm"
    let who = TerminalText.neutralised(message.direction == .outgoing ? ownName : message.peerName)
    let mark = message.direction == .outgoing ? (message.delivery == .delivered ? " ✓" : " …") : ""
    return "[\(formatter.string(from: time))] \(who): \(indentedText(message.text))\(mark)"
}

/// What precedes each continuation line of a multi-line message.
public let continuationIndent = "    "

/// `text` neutralised for the terminal, its continuation lines indented.
public func indentedText(_ text: String) -> String {
    TerminalText.neutralisedLines(text).joined(separator: "\n" + continuationIndent)
}
