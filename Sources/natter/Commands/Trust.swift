import ArgumentParser
import NatterNode

struct Trust: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accept a colleague's new device key after comparing fingerprints in person.",
        discussion: """
            When a colleague reinstalls, natter refuses their new key and logs both fingerprints. \
            Ask them to read out `natter fingerprint`; if it matches the refused one, run this. \
            It pins exactly the key that was refused, and a running daemon accepts it at the next connection.
            """)

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague's display name as pinned.") var peer: String

    func run() throws {
        let pins = PinStore(directory: instance.paths.dataDirectory)
        guard pins.all[peer] != nil else {
            let names = pins.all.keys.sorted()
            throw CLIError("no pinned colleague is named \"\(peer)\"" + (names.isEmpty ? "" : "; pinned: " + names.joined(separator: ", ")))
        }
        guard let change = try pins.trustRefused(name: peer) else {
            throw CLIError("\(peer) has not presented a different device key; nothing to trust (pinned: \(pins.all[peer]!))")
        }
        print("Now trusting \(change.name)'s device \(change.trusted) (was \(change.previous)).")
    }
}
