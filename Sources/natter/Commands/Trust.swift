import ArgumentParser
import NatterAPI
import NatterNode
import NatterTerminal

struct Trust: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accept a colleague's new device key after comparing fingerprints in person.",
        discussion: """
            When a colleague reinstalls, natter refuses their new key, logs both fingerprints and lists \
            the new device in natter peers as a conflict. \
            Ask them to read out `natter fingerprint`; if it matches the refused one, run this. \
            It pins exactly the key that was refused, and the new device replaces the old one: \
            the conversation history moves over, so NAME stays one colleague. \
            A running daemon accepts the new key at the next connection.
            """)

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague's display name as pinned (any case).") var peer: String

    func run() throws {
        let change: TrustView
        do {
            change = try instance.client.trust(peer)
        } catch .notRunning {
            // No daemon: make the same decision on the files directly.
            let paths = instance.paths
            do {
                let decided = try DeviceTrust.trustRefused(
                    name: peer, pins: PinStore(directory: paths.dataDirectory), store: MessageStore(path: paths.database))
                change = TrustView(name: decided.name, previous: decided.previous.compact, trusted: decided.trusted.compact)
            } catch let error as DeviceTrustError {
                throw CLIError(error.description)
            }
        }
        print("Now trusting \(TerminalText.neutralised(change.name))'s device \(change.trusted) (was \(change.previous)).")
    }
}
