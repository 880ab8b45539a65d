import ArgumentParser
import Foundation
import NatterAPI

struct Peers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the colleagues this device knows, online first.")

    @OptionGroup var instance: InstanceOptions
    @Flag(help: "One JSON object per line.") var json = false

    func run() throws {
        let peers = try instance.client.peers()
        if json {
            for peer in peers { try printJSON(peer) }
            return
        }
        if peers.isEmpty {
            print("No colleagues seen yet. They appear here when they run natter on this network with the same team key (or, on other subnets, register with the same forwarder).")
            return
        }
        for peer in peers {
            let presence = peer.online ? (peer.status?.rawValue ?? "online") : "offline"
            let state = peer.state == .active ? "" : "  [\(peer.state.rawValue)]"
            let relayed = peer.link == .relayed ? "  (through a forwarder)" : ""
            print("\(peer.name)  \(peer.fingerprint.prefix(8))  \(presence)\(state)\(relayed)")
        }
    }
}
