import NatterCore
import NatterWire

/// What mDNS says about colleagues, folded by **device**: the pure half of
/// ``AvahiDiscovery``.
///
/// Several instance names can carry one device's record: its own, the name
/// of the next epoch while the old one is withdrawn, a stranger's copy of it
/// on another host. A device appears when its first instance is accepted,
/// is updated when the instance that speaks for it changes, and disappears
/// only when no instance names it any more — a copy that vanishes cannot
/// make the daemon forget the real device (Docs/protocol.md §3, "Browsing").
///
/// Freshness: per device it keeps the newest publication time it has
/// accepted, and refuses a record published before it (a replayed old
/// status or name). Of several instances the newest record speaks for the
/// device; of equal ones, an instance under its base name (not Avahi's
/// "#2" after a collision, which is what a copier on a second host gets),
/// then the one seen first.
struct PeerSightings: Sendable {
    struct Held: Sendable {
        var record: DiscoveryRecord
        var sighting: AvahiService.Sighting
        var order: Int
    }

    let team: TeamSubkeys
    let own: DeviceFingerprint
    private(set) var instances: [String: Held] = [:]
    /// The newest publication time accepted per device, for the daemon's
    /// life (a device's clock stepping back is refused for at most
    /// ``DiscoveryTimes/maximumFutureMilliseconds``: no newer time was accepted).
    private(set) var newest: [DeviceFingerprint: UInt64] = [:]
    private(set) var reported: [DeviceFingerprint: DiscoveredPeer] = [:]
    /// Records ignored (other teams, malformed, tampered, copied, stale), each found or changed event once.
    private(set) var rejected = 0
    private var seen = 0

    init(team: TeamSubkeys, own: DeviceFingerprint) {
        self.team = team
        self.own = own
    }

    /// Applies one Avahi event at the receiver's wall clock; returns what
    /// changed for the daemon and, when the record was refused, why.
    mutating func apply(_ event: AvahiService.Event, nowMilliseconds now: UInt64) -> (events: [DiscoveryEvent], rejection: DiscoveryRecord.Rejection?) {
        var rejection: DiscoveryRecord.Rejection?
        let name: String
        var accepted: DiscoveryRecord?
        var sighting: AvahiService.Sighting?
        switch event {
        case .found(let seen), .changed(let seen):
            name = seen.instanceName
            sighting = seen
            do {
                let record = try DiscoveryRecord.decode(seen.txt, instanceName: seen.instanceName, team: team, nowMilliseconds: now)
                if record.fingerprint == own {
                    accepted = nil
                } else if let newest = newest[record.fingerprint], record.published < newest {
                    rejection = .stale
                } else {
                    accepted = record
                }
            } catch {
                rejection = error
            }
        case .lost(let instanceName):
            name = instanceName
        }
        if rejection != nil { rejected += 1 }
        var affected: [DeviceFingerprint] = []
        if let old = instances[name] { affected.append(old.record.fingerprint) }
        if let accepted, let sighting {
            newest[accepted.fingerprint] = max(newest[accepted.fingerprint] ?? 0, accepted.published)
            let order = instances[name]?.order ?? { seen += 1; return seen }()
            instances[name] = Held(record: accepted, sighting: sighting, order: order)
            if !affected.contains(accepted.fingerprint) { affected.append(accepted.fingerprint) }
        } else {
            instances[name] = nil
        }
        var events: [DiscoveryEvent] = []
        for device in affected {
            if let event = refresh(device) { events.append(event) }
        }
        return (events, rejection)
    }

    /// Recomputes what the daemon is told about one device.
    private mutating func refresh(_ device: DeviceFingerprint) -> DiscoveryEvent? {
        let before = reported[device]
        let after = speaker(for: device).map { held in
            DiscoveredPeer(
                key: .device(device), displayName: held.record.displayName, status: held.record.status,
                addresses: held.sighting.addresses, tcpPort: held.sighting.port)
        }
        reported[device] = after
        switch (before, after) {
        case (nil, let peer?): return .appeared(peer)
        case (let old?, let peer?): return old == peer ? nil : .updated(peer)
        case (_?, nil): return .disappeared(.device(device))
        case (nil, nil): return nil
        }
    }

    /// The instances whose accepted record names `device`.
    func instanceNames(of device: DeviceFingerprint) -> [String] {
        instances.filter { $0.value.record.fingerprint == device }.map(\.key).sorted()
    }

    /// The instance that speaks for a device: newest record, then its base name, then seen first.
    private func speaker(for device: DeviceFingerprint) -> Held? {
        instances.values.filter { $0.record.fingerprint == device }.min { a, b in
            if a.record.published != b.record.published { return a.record.published > b.record.published }
            let aBase = DiscoveryRecord.baseInstanceName(a.sighting.instanceName) == a.sighting.instanceName[...]
            let bBase = DiscoveryRecord.baseInstanceName(b.sighting.instanceName) == b.sighting.instanceName[...]
            if aBase != bBase { return aBase }
            return a.order < b.order
        }
    }
}
