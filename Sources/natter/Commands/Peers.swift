import ArgumentParser
import Foundation
import NatterAPI
import NatterTerminal

struct Peers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the colleagues this device knows, online first, then any device refused for a name.",
        discussion: """
            A name means the device it is pinned to. A device that claims a name pinned to another device \
            (or your own name) is not a second colleague: it is listed after them as a conflict, with both \
            fingerprints and the command that resolves it (natter trust NAME for a colleague's new device, \
            natter forget PREFIX for a device you do not want). With --json, conflicts are objects with \
            "type": "conflict".
            """)

    @OptionGroup var instance: InstanceOptions
    @Flag(help: "One JSON object per line.") var json = false

    func run() throws {
        let peers = try instance.client.peers()
        let conflicts = try instance.client.conflicts()
        if json {
            for peer in peers { try printJSON(peer) }
            for conflict in conflicts { try printJSON(conflict) }
            return
        }
        defer { for conflict in conflicts { print(Self.describe(conflict)) } }
        if peers.isEmpty && conflicts.isEmpty {
            print("No colleagues seen yet. They appear here when they run natter on this network with the same team key (or, on other subnets, register with the same forwarder).")
            return
        }
        for peer in peers {
            let presence = peer.online ? (peer.status?.rawValue ?? "online") : "offline"
            let state = peer.state == .active ? "" : "  [\(peer.state.rawValue)]"
            let relayed = peer.link == .relayed ? "  (through a forwarder)" : ""
            // The name is the colleague's claim: shown, never obeyed (TerminalText).
            print("\(TerminalText.neutralised(peer.name))  \(peer.fingerprint.prefix(8))  \(presence)\(state)\(relayed)")
        }
    }

    /// A conflict in a few lines: the claimed name, both fingerprints in
    /// full (to compare aloud), and the commands. The name is the claimant's
    /// word, neutralised like every colleague's text.
    static func describe(_ conflict: ConflictView) -> String {
        let name = TerminalText.neutralised(conflict.name)
        let holder = conflict.ownName ? "your own name (your key: \(conflict.pinnedGroups))" : "pinned to \(conflict.pinnedGroups)"
        var lines = [
            "CONFLICT  \"\(name)\" is \(holder)",
            "          but device \(conflict.fingerprintGroups) claims it: refused"
                + (conflict.refusals > 0 ? " (\(conflict.refusals) times since natter up)" : ""),
        ]
        for command in conflict.resolve {
            let why = command.hasPrefix("natter trust") ? "if \(name) really has a new device (compare fingerprints)" : "to forget that device"
            lines.append("          \(why): \(TerminalText.neutralised(command))")
        }
        return lines.joined(separator: "\n")
    }
}
