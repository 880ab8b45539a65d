import ArgumentParser
import NatterAPI
import NatterTerminal

struct Forget: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget a colleague's device, or a device refused for a name (a conflict in natter peers).",
        discussion: """
            Removes the device's pin, its refusals, its remembered name and sharing override, and its link \
            if it has one; the name it held is free again. Its messages stay in the history (and come back, \
            queued ones still to be sent, if the same device is pinned again) unless you add --history. \
            A device that shows up again afterwards is treated as new: pinned on first contact if its name is \
            free, else listed as a conflict. PEER is a display name or fingerprint prefix; a device in conflict \
            is named by its fingerprint prefix, as natter peers shows.
            """)

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "The device: a colleague's name or fingerprint prefix, or a conflicting device's fingerprint prefix.") var peer: String
    @Flag(help: "Also delete the messages exchanged with it.") var history = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let forgotten = try instance.client.forget(peer, history: history)
        if json {
            try printJSON(forgotten)
            return
        }
        let what = forgotten.conflict ? "the device that claimed \"\(forgotten.name)\"" : "\(forgotten.name)'s device"
        let messages = history ? " and \(forgotten.messagesDeleted) messages" : "; its messages stay in the history"
        print(TerminalText.neutralised("Forgot \(what) (\(forgotten.fingerprint.prefix(12)))\(messages)."))
    }
}
