import ArgumentParser
import NatterAPI

struct Privacy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Control what colleagues learn about you.",
        subcommands: [ShareState.self])

    struct ShareState: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "share-state",
            abstract: "Turn session-state sharing (typing, reading, away, …) on or off, for everyone or one colleague.",
            discussion: "Off stops all detection: no events are sent and colleagues see nothing. The setting is kept across restarts.")

        enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off, `default` }

        @OptionGroup var instance: InstanceOptions
        @Argument(help: "on or off; with --peer also \"default\" to follow the global switch again.") var value: Switch
        @Option(help: "Only for this colleague (display name or fingerprint prefix), or this group ('#Name').") var peer: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            if value == .default && peer == nil {
                throw ValidationError("\"default\" only makes sense with --peer")
            }
        }

        func run() throws {
            let share: Bool? = value == .default ? nil : value == .on
            let view = try instance.client.setPrivacy(share: share, peer: peer)
            if json {
                try printJSON(view)
            } else if let peer {
                print("Session-state sharing with \(peer): \(value.rawValue).")
            } else {
                print("Session-state sharing: \(view.shareState ? "on" : "off").")
            }
        }
    }
}
