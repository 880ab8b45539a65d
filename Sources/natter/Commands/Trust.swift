import ArgumentParser
import NatterNode

struct Trust: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accept a colleague's new device key after comparing fingerprints in person.",
        discussion: "When a colleague reinstalls, their new key is refused until you run this. Compare the fingerprint they read from natter fingerprint with the one natter logged.")

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The colleague's display name as pinned.") var peer: String

    func run() throws {
        let pins = PinStore(directory: instance.paths.dataDirectory)
        guard pins.all[peer] != nil else {
            throw CLIError("no pinned colleague is named \"\(peer)\"; pinned: \(pins.all.keys.sorted().joined(separator: ", "))")
        }
        pins.trust(name: peer, fingerprint: nil)
        print("Removed the pin for \(peer); their next key will be pinned on contact. Restart natter up to reconnect now.")
    }
}
