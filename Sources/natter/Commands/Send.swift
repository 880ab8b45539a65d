import ArgumentParser
import NatterAPI
import NatterTerminal

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a message. It waits in the outbox until the colleague is reachable.",
        discussion: "PEER may be a group, '#Name'. With --everyone, the only argument is the text, sent to every colleague.")

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague: a display name, a fingerprint prefix, or a group '#Name'.") var peer: String
    @Argument(help: "The message text (quote it).") var text: String?
    @Flag(help: "Send TEXT to every colleague, online now or queued for the others, shown as a broadcast.") var everyone = false
    @Flag(help: "Print the stored message as JSON.") var json = false

    func validate() throws {
        if everyone && text != nil { throw ValidationError("with --everyone give only the text: natter send --everyone TEXT") }
        if !everyone && text == nil { throw ValidationError("give the colleague and the text: natter send PEER TEXT") }
    }

    func run() throws {
        if everyone || peer.hasPrefix("#") {
            let message = try everyone ? instance.client.broadcast(peer) : instance.client.sendToGroup(peer, text: text ?? "")
            if json {
                try printJSON(message)
            } else {
                let place = message.groupName.map { "#" + TerminalText.neutralised($0) } ?? "everyone"
                print("Sent to \(place) (queued for \(message.recipients ?? 0)).")
            }
            return
        }
        let text = text ?? ""
        let message = try instance.client.send(to: peer, text: text)
        if json {
            try printJSON(message)
        } else {
            print("Sent to \(TerminalText.neutralised(message.peerName)) (\(message.delivery.rawValue)).")
        }
    }
}
