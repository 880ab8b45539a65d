public import NatterCore

/// Merges what several sources see of one colleague into one sighting.
///
/// A colleague on the same subnet is seen by mDNS *and* listed by a
/// forwarder; one forwarder of two may go down while the other still lists
/// them. Users must see one colleague, online while any source sees them, and
/// the daemon must keep dialling the direct addresses first. Pure: each
/// source's event goes in, the merged event (if anything changed) comes out.
public struct SightingMerger: Sendable {
    /// Per colleague, each source's latest sighting, in the order the sources first saw them.
    private var bySource: [DiscoveryKey: [(source: String, peer: DiscoveredPeer)]] = [:]
    private var merged: [DiscoveryKey: DiscoveredPeer] = [:]

    public init() {}

    /// Applies one source's event; returns what changed for the merged view.
    public mutating func apply(_ event: DiscoveryEvent, from source: String) -> DiscoveryEvent? {
        let key: DiscoveryKey
        switch event {
        case .appeared(let peer), .updated(let peer):
            key = peer.key
            var sightings = bySource[key] ?? []
            if let index = sightings.firstIndex(where: { $0.source == source }) {
                sightings[index].peer = peer
            } else {
                sightings.append((source, peer))
            }
            bySource[key] = sightings
        case .disappeared(let lost):
            key = lost
            guard var sightings = bySource[key] else { return nil }
            sightings.removeAll { $0.source == source }
            bySource[key] = sightings.isEmpty ? nil : sightings
        }
        let before = merged[key]
        let after = bySource[key].map(Self.merge)
        merged[key] = after
        switch (before, after) {
        case (nil, let peer?): return .appeared(peer)
        case (let old?, let peer?): return old == peer ? nil : .updated(peer)
        case (_?, nil): return .disappeared(key)
        case (nil, nil): return nil
        }
    }

    /// The key of a device sighted now that `matches`, e.g. by its keyed fingerprint.
    public func key(matching matches: (DeviceFingerprint) -> Bool) -> DiscoveryKey? {
        merged.keys.first { key in
            if case .device(let fingerprint) = key { matches(fingerprint) } else { false }
        }
    }

    /// Direct sources' addresses first (a forwarder's observed address may be
    /// a router's view), name and status from the first source that has them,
    /// relayable when any forwarder lists them.
    static func merge(_ sightings: [(source: String, peer: DiscoveredPeer)]) -> DiscoveredPeer {
        let ordered = sightings.filter { !$0.peer.relayable } + sightings.filter { $0.peer.relayable }
        var result = ordered[0].peer
        var addresses: [String] = []
        for (_, peer) in ordered {
            for address in peer.addresses where !addresses.contains(address) { addresses.append(address) }
            result.displayName = result.displayName ?? peer.displayName
            result.status = result.status ?? peer.status
            if result.udpPort == 0 { result.udpPort = peer.udpPort }
        }
        result.addresses = addresses
        result.relayable = sightings.contains { $0.peer.relayable }
        return result
    }
}
