import NatterCore
import NatterDiscovery

/// Decides whom to dial and when, from what discovery sighted and which links
/// are up. Pure: the daemon passes the time in and dials what comes out.
///
/// - A discovered device without a link is dialled with backoff
///   (``NodeConstants/dialBackoffFirst`` doubling to ``NodeConstants/dialBackoffMaximum``).
/// - Of two colleagues who see each other, the lower fingerprint dials at once
///   and the higher waits ``NodeConstants/dialGrace``, so the two rarely cross
///   — except in the daemon's first ``NodeConstants/startupDialWindow``, when
///   nobody can have seen it yet and it dials everyone at once.
/// - A static peer is dialled on every round while no link from its address is
///   up: its identity is learned only in the handshake, and a static peer is
///   there because someone configured it (no backoff, as before).
/// - Direct first, relay last: when a direct dial to a colleague a forwarder
///   lists fails, the next attempt (at once) asks the forwarder to relay;
///   when that fails too, the one after goes direct again, with backoff.
/// - One address at a time, in the sighting's order (IPv4, then IPv6, then
///   IPv6 link-local: ``HostAddress/dialOrder(_:)``): when a dial fails, the
///   colleague's next address is due at once, as the same attempt; only when
///   every address failed does the relay or the backoff come. A link is one
///   per colleague whichever address it came through (``LinkTable``).
struct DialScheduler: Sendable {
    struct Target: Hashable, Sendable {
        let host: String
        let port: UInt16
        /// The device discovery announced there (nil for a static peer).
        var peer: DeviceFingerprint? = nil
        /// Dial through a forwarder's relay instead of `host:port`.
        var relayed = false
    }

    private struct Backoff: Sendable {
        var delay: Duration = NodeConstants.dialBackoffFirst
        var notBefore: MonotonicInstant

        mutating func dialled(at now: MonotonicInstant) {
            notBefore = now + delay
            delay = min(delay * 2, NodeConstants.dialBackoffMaximum)
        }
    }

    let ownFingerprint: DeviceFingerprint
    /// When the daemon started or last rejoined (its startup window is measured from here).
    private(set) var startedAt: MonotonicInstant
    private var sightings: [DiscoveryKey: DiscoveredPeer] = [:]
    private var backoff: [DeviceFingerprint: Backoff] = [:]
    /// Colleagues whose last direct dial failed and whom a forwarder can relay to.
    private var relayNext: Set<DeviceFingerprint> = []
    /// Per sighting, the addresses whose dial failed in the current attempt:
    /// the next dial takes the first address not among them.
    private var failedAddresses: [DiscoveryKey: Set<String>] = [:]
    /// Colleagues whose next address is due at once, outside the backoff
    /// (part of the attempt whose first dial set it).
    private var nextAddressDue: Set<DeviceFingerprint> = []

    init(ownFingerprint: DeviceFingerprint, startedAt: MonotonicInstant) {
        self.ownFingerprint = ownFingerprint
        self.startedAt = startedAt
    }

    mutating func sighted(_ peer: DiscoveredPeer) {
        guard peer.fingerprint != ownFingerprint else { return }
        sightings[peer.key] = peer
    }

    /// A sighting ended. Whether the colleague needed a relay is kept: a
    /// forwarder that restarts withdraws everyone it listed, and when it is
    /// back the relayed conversations should resume at once, not after
    /// another failed direct dial.
    mutating func lost(_ key: DiscoveryKey) {
        sightings[key] = nil
        failedAddresses[key] = nil
        if case .device(let peer) = key {
            backoff[peer] = nil
            nextAddressDue.remove(peer)
        }
    }

    /// This machine slept or its addresses changed (``NetworkWatch``):
    /// colleagues cannot have noticed yet, so, as at start, everyone without
    /// a link is due at once, whatever their backoff and fingerprint.
    /// Whether a colleague needs a relay is kept.
    mutating func rejoin(at now: MonotonicInstant) {
        backoff = [:]
        // The network changed under any attempt in progress: each starts again at its first address.
        failedAddresses = [:]
        nextAddressDue = []
        startedAt = now
    }

    /// Within the startup window (after the start or a rejoin), when every
    /// colleague without a link is dialled as soon as they are missing.
    func dialsEveryoneAtOnce(at now: MonotonicInstant) -> Bool {
        now - startedAt < NodeConstants.startupDialWindow
    }

    /// A link to `peer` is up: the next time they are missing, start afresh,
    /// through the relay first if this link was relayed.
    mutating func linked(_ peer: DeviceFingerprint, relayed: Bool = false) {
        backoff[peer] = nil
        failedAddresses[.device(peer)] = nil
        nextAddressDue.remove(peer)
        if relayed { relayNext.insert(peer) } else { relayNext.remove(peer) }
    }

    /// A dial made no connection. After a failed direct dial to a colleague a
    /// forwarder lists, the relay is due at once; after a failed relay, the
    /// next try is direct, when the backoff allows.
    mutating func failed(_ target: Target, at now: MonotonicInstant) {
        if !target.relayed, let key = key(of: target), let sighting = sightings[key] {
            failedAddresses[key, default: []].insert(target.host)
            if sighting.addresses.contains(where: { !failedAddresses[key, default: []].contains($0) }) {
                // The next address is the same attempt: due at once, no relay yet.
                if let peer = target.peer { nextAddressDue.insert(peer) }
                return
            }
            failedAddresses[key] = nil
        }
        guard let peer = target.peer else { return }
        if target.relayed {
            relayNext.remove(peer)
        } else if sightings[.device(peer)]?.relayable == true {
            relayNext.insert(peer)
            backoff[peer]?.notBefore = now
        }
    }

    /// The sighting a direct dial was made for.
    private func key(of target: Target) -> DiscoveryKey? {
        if let peer = target.peer { return .device(peer) }
        return sightings.first { entry in
            guard case .endpoint = entry.key else { return false }
            return entry.value.tcpPort == target.port && entry.value.addresses.contains(target.host)
        }?.key
    }

    /// The address to dial next for `key`: the first whose dial has not failed in this attempt.
    private func nextAddress(of key: DiscoveryKey, in sighting: DiscoveredPeer) -> String? {
        let failed = failedAddresses[key] ?? []
        return sighting.addresses.first { !failed.contains($0) } ?? sighting.addresses.first
    }

    /// What to dial now. `only` limits the answer to one sighting (a
    /// discovery event); without it every sighting is considered (the
    /// maintenance round).
    mutating func due(
        only key: DiscoveryKey? = nil, directory: ColleagueDirectory, at now: MonotonicInstant
    ) -> [Target] {
        let keys = key.map { [$0] } ?? Array(sightings.keys)
        var targets: [Target] = []
        for key in keys {
            guard let sighting = sightings[key], let address = nextAddress(of: key, in: sighting) else { continue }
            var target = Target(host: address, port: sighting.tcpPort, peer: sighting.fingerprint)
            switch key {
            case .endpoint:
                // The source resolved a host name to the addresses a link reports.
                if !sighting.addresses.contains(where: directory.hasLink(from:)) { targets.append(target) }
            case .device(let peer):
                guard !directory.isLinked(peer) else { continue }
                if nextAddressDue.remove(peer) != nil {
                    targets.append(target)
                    continue
                }
                target.relayed = relayNext.contains(peer) && sighting.relayable
                guard var attempt = backoff[peer] else {
                    var first = Backoff(notBefore: now)
                    if ownFingerprint > peer && !dialsEveryoneAtOnce(at: now) {
                        first.notBefore = now + NodeConstants.dialGrace
                    } else {
                        first.dialled(at: now)
                        targets.append(target)
                    }
                    backoff[peer] = first
                    continue
                }
                guard now >= attempt.notBefore else { continue }
                // The relay is the second half of one attempt: the backoff grows once per pair.
                if target.relayed { attempt.notBefore = now + attempt.delay / 2 } else { attempt.dialled(at: now) }
                backoff[peer] = attempt
                targets.append(target)
            }
        }
        return targets
    }
}
