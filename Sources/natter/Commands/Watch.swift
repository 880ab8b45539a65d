import ArgumentParser
import Foundation
import NatterNode

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow messages, delivery receipts, session states and colleagues coming and going.",
        discussion: "With --json, one JSON object per line with a \"type\" of message, delivery, state or peer.")

    @OptionGroup var instance: InstanceOptions
    @Flag(help: "One JSON object per line.") var json = false

    func run() throws {
        // Written unbuffered, line by line: watchers are usually pipes (scripts, tests).
        try instance.client.events { _, data in
            FileHandle.standardOutput.write(Data(((json ? data : Self.describe(data)) + "\n").utf8))
            return true
        }
    }

    static func describe(_ data: String) -> String {
        let decoder = JSONDecoder()
        let bytes = Data(data.utf8)
        if let message = try? decoder.decode(MessageView.self, from: bytes) {
            return message.type == "delivery" ? "delivered to \(message.peerName): \(message.text)" : formatLine(message)
        }
        if let state = try? decoder.decode(StateView.self, from: bytes) {
            return state.text ?? "\(state.peerName): nothing to show"
        }
        if let peer = try? decoder.decode(PeerView.self, from: bytes) {
            return "\(peer.name) is \(peer.online ? (peer.status ?? "online") : "offline")"
        }
        return data
    }
}
