import ArgumentParser
import NatterNode

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set your presence status, shown to colleagues: available, away or busy.")

    enum Presence: String, ExpressibleByArgument, CaseIterable { case available, away, busy }

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "available, away or busy; omit to show the current status.") var status: Presence?
    @Flag(help: "Print the daemon's status as JSON.") var json = false

    func run() throws {
        let view: StatusView
        if let status {
            view = try instance.client.post("/v1/status", PresenceRequest(status: status.rawValue), as: StatusView.self)
        } else {
            view = try instance.client.get("/v1/status", as: StatusView.self)
        }
        if json {
            try printJSON(view)
        } else {
            print("\(view.name) is \(view.status); session states are \(view.shareState ? "shared" : "not shared").")
        }
    }
}
