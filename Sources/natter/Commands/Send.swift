import ArgumentParser
import NatterAPI
import NatterTerminal

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a message. It waits in the outbox until the colleague is reachable.")

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague: a display name or a fingerprint prefix.") var peer: String
    @Argument(help: "The message text (quote it).") var text: String
    @Flag(help: "Print the stored message as JSON.") var json = false

    func run() throws {
        let message = try instance.client.send(to: peer, text: text)
        if json {
            try printJSON(message)
        } else {
            print("Sent to \(TerminalText.neutralised(message.peerName)) (\(message.delivery.rawValue)).")
        }
    }
}
