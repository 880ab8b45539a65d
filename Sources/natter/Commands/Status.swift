public import ArgumentParser
import NatterAPI

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set your presence status, shown to colleagues: available, away or busy.")

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "available, away or busy; omit to show the current status.") var status: PresenceStatus?
    @Flag(help: "Print the daemon's status as JSON.") var json = false

    func run() throws {
        let view: StatusView
        if let status {
            view = try instance.client.setPresence(status)
        } else {
            view = try instance.client.status()
        }
        if json {
            try printJSON(view)
        } else {
            print("\(view.name) is \(view.status.rawValue); session states are \(view.shareState ? "shared" : "not shared").")
        }
    }
}

extension PresenceStatus: ExpressibleByArgument {}
