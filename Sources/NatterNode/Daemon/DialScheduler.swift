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
struct DialScheduler: Sendable {
    struct Target: Hashable, Sendable {
        let host: String
        let port: UInt16
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
    /// When the daemon started (its startup window is measured from here).
    let startedAt: MonotonicInstant
    private var sightings: [DiscoveryKey: DiscoveredPeer] = [:]
    private var backoff: [DeviceFingerprint: Backoff] = [:]

    init(ownFingerprint: DeviceFingerprint, startedAt: MonotonicInstant) {
        self.ownFingerprint = ownFingerprint
        self.startedAt = startedAt
    }

    mutating func sighted(_ peer: DiscoveredPeer) {
        guard peer.fingerprint != ownFingerprint else { return }
        sightings[peer.key] = peer
    }

    mutating func lost(_ key: DiscoveryKey) {
        sightings[key] = nil
        if case .device(let peer) = key { backoff[peer] = nil }
    }

    /// A link to `peer` is up: the next time they are missing, start afresh.
    mutating func linked(_ peer: DeviceFingerprint) {
        backoff[peer] = nil
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
            guard let sighting = sightings[key], let address = sighting.addresses.first else { continue }
            let target = Target(host: address, port: sighting.tcpPort)
            switch key {
            case .endpoint:
                // The source resolved a host name to the address a link reports.
                if !directory.hasLink(from: address) { targets.append(target) }
            case .device(let peer):
                guard !directory.isLinked(peer) else { continue }
                guard var attempt = backoff[peer] else {
                    var first = Backoff(notBefore: now)
                    if ownFingerprint > peer && now - startedAt >= NodeConstants.startupDialWindow {
                        first.notBefore = now + NodeConstants.dialGrace
                    } else {
                        first.dialled(at: now)
                        targets.append(target)
                    }
                    backoff[peer] = first
                    continue
                }
                guard now >= attempt.notBefore else { continue }
                attempt.dialled(at: now)
                backoff[peer] = attempt
                targets.append(target)
            }
        }
        return targets
    }
}
