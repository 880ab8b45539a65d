public import NatterDiscovery
import NatterAPI

extension NatterDaemon {
    /// A discovery source reported a sighting (mDNS, a static peer, a
    /// forwarder). Sources are merged first: a colleague stays sighted while
    /// any source sees them.
    public func discovery(_ event: DiscoveryEvent, from source: String) {
        guard let event = sightings.apply(event, from: source) else { return }
        switch event {
        case .appeared(let peer), .updated(let peer):
            dialling.sighted(peer)
            if let fingerprint = peer.fingerprint, fingerprint != identity.fingerprint,
                directory.sighted(fingerprint, name: peer.displayName, status: peer.status)
            {
                remember(fingerprint)
                // Names from discovery are claims too, checked against the
                // pins like a hello's (but never pinned: a record proves no
                // key). A pinned device's record name is not its claim.
                directory.refresh(pins: pins.table)
                if !directory.isPinned(fingerprint), directory.conflict(for: fingerprint) != nil {
                    reportConflict(of: fingerprint, source: "in its discovery record, from \(source)")
                }
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
    /// whole connect timeout); success arrives as a link event, failure goes
    /// back to the scheduler, which may want a relay next.
    func dial(_ targets: [DialScheduler.Target]) {
        for target in targets {
            Task { [links, relays] in
                let connected =
                    if target.relayed, let peer = target.peer, let relays {
                        await relays.relay(to: peer)
                    } else if target.relayed {
                        false
                    } else {
                        await links.dial(host: target.host, port: target.port, expecting: target.peer)
                    }
                if !connected { self.dialFailed(target) }
            }
        }
    }

    func dialFailed(_ target: DialScheduler.Target) {
        dialling.failed(target, at: clock.now)
        // What discovery said may be stale (a restart that changed the port
        // within the goodbye's second gives no mDNS event): look again; a
        // changed record comes back as an update and is dialled at once.
        if let peer = target.peer, !target.relayed {
            resolveAgain(peer)
            dial(dialling.due(only: .device(peer), directory: directory, at: clock.now))
        }
    }
}
