import ArgumentParser
import Foundation
import NatterAPI
import NatterTerminal

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the conversation with a colleague, oldest first.")

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague: a display name, a fingerprint prefix, a group '#Name', or --everyone's broadcasts as '*'.") var peer: String
    @Option(help: "How many of the newest messages to show.") var limit = 50
    @Flag(help: "One JSON object per line.") var json = false

    func run() throws {
        if peer.hasPrefix("#") || peer == "*" {
            let client = instance.client
            for message in try peer == "*" ? client.broadcasts(limit: limit) : client.groupHistory(peer, limit: limit) {
                print(json ? try APIJSON.line(message) : formatGroupLine(message))
            }
            return
        }
        let messages = try instance.client.history(with: peer, limit: limit)
        for message in messages {
            if json {
                try printJSON(message)
            } else {
                print(formatLine(message))
            }
        }
    }
}

/// "[12:03] Alice: text" with a delivery mark on outgoing messages.
///
/// The name and text come from a colleague, so they pass through
/// `TerminalText`: no control character reaches the terminal. A message's own
/// line breaks are kept, its continuation lines indented by
/// ``continuationIndent``, so every line that starts at the left margin is the
/// start of a real message and a message cannot forge one.
func formatLine(_ message: MessageView, ownName: String = "me") -> String {
    let time = Date(timeIntervalSince1970: Double(message.sentAt) / 1000)
    let formatter = DateFormatter()
    formatter.dateFormat = "HH:mm"
    let who = TerminalText.neutralised(message.direction == .outgoing ? ownName : message.peerName)
    let mark = message.direction == .outgoing ? (message.delivery == .delivered ? " ✓" : " …") : ""
    return "[\(formatter.string(from: time))] \(who): \(indentedText(message.text))\(mark)"
}

/// What precedes each continuation line of a multi-line message.
let continuationIndent = "    "

/// `text` neutralised for the terminal, its continuation lines indented.
func indentedText(_ text: String) -> String {
    TerminalText.neutralisedLines(text).joined(separator: "\n" + continuationIndent)
}
