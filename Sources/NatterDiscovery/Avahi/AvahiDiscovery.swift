public import Logging
public import NatterCore
public import NatterWire
import Synchronization

/// Publishes this peer as `_natter._tcp` and browses for team members: natter's
/// sealed record (``DiscoveryRecord``) over the generic ``AvahiService``.
///
/// Locking: `record` is taken before Avahi's poll lock (``update(displayName:status:)``)
/// and the sightings' lock only inside it (the observer runs on the Avahi
/// thread); never the other way round, so they cannot deadlock.
public final class AvahiDiscovery: Sendable {
    public static let serviceType = "_natter._tcp"

    private let team: TeamSubkeys
    private let record: Mutex<DiscoveryRecord>
    private let sightings: SightingStream<DiscoveredPeer, DiscoveryEvent>
    private let service: AvahiService

    public init(team: TeamKey, fingerprint: DeviceFingerprint, displayName: String, status: PresenceStatus, tcpPort: UInt16, udpPort: UInt16, logger: Logger) {
        let subkeys = team.subkeys
        let record = DiscoveryRecord(fingerprint: fingerprint, displayName: displayName, status: status, udpPort: udpPort)
        self.team = subkeys
        self.record = Mutex(record)
        let sightings = SightingStream<DiscoveredPeer, DiscoveryEvent>(
            judge: { Self.judge($0, team: subkeys, own: fingerprint, logger: logger) }, translate: Self.events(for:))
        self.sightings = sightings
        let publication = AvahiService.Publication(
            type: Self.serviceType, instanceName: DiscoveryRecord.instanceName(fingerprint: fingerprint, team: subkeys),
            port: tcpPort, txt: record.encode(team: subkeys))
        service = AvahiService(publication: publication, browseType: Self.serviceType, logger: logger, observe: sightings.observe)
    }

    /// Discovery events, for a single consumer (the daemon).
    public var events: AsyncStream<DiscoveryEvent> { sightings.events }

    /// Called (on the Avahi thread) when the record is registered; the lab's timing hook.
    public var onRegistered: (@Sendable () -> Void)? {
        get { service.onRegistered }
        set { service.onRegistered = newValue }
    }

    /// Starts the Avahi thread. Throws only if Avahi cannot even be set up;
    /// a daemon that is not running is logged once (with the fix) and waited for.
    public func start() throws(DiscoveryError) {
        try service.start()
    }

    /// Updates the TXT record in place (name or status changed).
    public func update(displayName: String? = nil, status: PresenceStatus? = nil) {
        record.withLock { record in
            if let displayName { record.displayName = displayName }
            if let status { record.status = status }
            service.update(txt: record.encode(team: team))
        }
    }

    /// Withdraws the record (an mDNS goodbye) and stops.
    public func stop() {
        service.stop()
        sightings.finish()
    }

    /// Records from the network that were ignored (other teams, malformed, tampered).
    public var rejectedRecords: Int { sightings.rejected }

    private static func judge(_ sighting: AvahiService.Sighting, team: TeamSubkeys, own: DeviceFingerprint, logger: Logger) -> SightingTracker<DiscoveredPeer>.Verdict {
        do {
            let record = try DiscoveryRecord.decode(sighting.txt, team: team)
            guard record.fingerprint != own else { return .skip }
            return .accept(
                DiscoveredPeer(
                    key: .device(record.fingerprint), displayName: record.displayName, status: record.status,
                    addresses: [sighting.address], tcpPort: sighting.port, udpPort: record.udpPort))
        } catch {
            logger.debug("ignored an mDNS record", metadata: ["service": "\(sighting.instanceName)", "reason": "\(error)"])
            return .reject
        }
    }

    /// A record that now names another device is that device appearing, not an update.
    @Sendable static func events(for change: SightingTracker<DiscoveredPeer>.Change) -> [DiscoveryEvent] {
        switch change {
        case .appeared(let peer): [.appeared(peer)]
        case .replaced(let old, let peer) where old.key != peer.key: [.disappeared(old.key), .appeared(peer)]
        case .replaced(_, let peer): [.updated(peer)]
        case .disappeared(let old): [.disappeared(old.key)]
        }
    }
}
