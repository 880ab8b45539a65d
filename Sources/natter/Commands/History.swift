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
