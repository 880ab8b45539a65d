public import NatterDiscovery
import NatterAPI

extension NatterDaemon {
    /// A discovery source reported a sighting (mDNS, a static peer, next a forwarder).
    public func discovery(_ event: DiscoveryEvent) {
        switch event {
        case .appeared(let peer), .updated(let peer):
            dialling.sighted(peer)
            if let fingerprint = peer.fingerprint, fingerprint != identity.fingerprint,
                directory.sighted(fingerprint, name: peer.displayName, status: peer.status)
            {
                remember(fingerprint)
                if directory.isLinked(fingerprint) { events.publish(.peer(peerView(fingerprint))) }
            }
            dial(dialling.due(only: peer.key, directory: directory, at: clock.now))
        case .disappeared(let key):
            // The link, if any, decides whether they are offline: it may still be alive.
            dialling.lost(key)
            if case .device(let fingerprint) = key { directory.lost(fingerprint) }
        }
    }

    /// Dials each target without holding up the daemon (a dial may take the
    /// whole connect timeout); success arrives as a link event.
    func dial(_ targets: [DialScheduler.Target]) {
        for target in targets {
            Task { [links] in await links.dial(host: target.host, port: target.port) }
        }
    }
}
