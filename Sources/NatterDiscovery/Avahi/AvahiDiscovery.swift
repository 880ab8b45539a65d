import Foundation
public import Logging
public import NatterCore
public import NatterWire
import Synchronization

/// Publishes this peer as `_natter._tcp` and browses for team members: natter's
/// sealed record (``DiscoveryRecord``) over the generic ``AvahiService``,
/// with ``PeerSightings`` deciding what the sightings mean.
///
/// The record is re-sealed with a new publication time every
/// ``DiscoveryTimes/refreshMilliseconds`` (a TXT update in place) and
/// re-published under a new instance name at every epoch boundary
/// (Docs/protocol.md §3).
///
/// Locking: `record` is taken before Avahi's poll lock (``update(displayName:status:)``)
/// and the sightings' lock only inside it (the observer runs on the Avahi
/// thread); never the other way round, so they cannot deadlock.
public final class AvahiDiscovery: Sendable {
    public static let serviceType = "_natter._tcp"

    private let team: TeamSubkeys
    private let record: Mutex<DiscoveryRecord>
    private let sightings: Locked<PeerSightings>
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    private let service: AvahiService
    private let now: @Sendable () -> UInt64
    /// Discovery events, for a single consumer (the daemon).
    public let events: AsyncStream<DiscoveryEvent>

    /// - Parameter now: the wall clock, Unix ms (the record's publication
    ///   time and the receiver's freshness checks).
    public init(
        team: TeamKey, fingerprint: DeviceFingerprint, displayName: String, status: PresenceStatus, tcpPort: UInt16, logger: Logger,
        now: @escaping @Sendable () -> UInt64 = AvahiDiscovery.wallClock
    ) {
        let subkeys = team.subkeys
        let record = DiscoveryRecord(fingerprint: fingerprint, displayName: displayName, status: status, published: now())
        self.team = subkeys
        self.now = now
        self.record = Mutex(record)
        let sightings = Locked(PeerSightings(team: subkeys, own: fingerprint))
        self.sightings = sightings
        let (events, continuation) = AsyncStream<DiscoveryEvent>.makeStream()
        self.events = events
        self.continuation = continuation
        let publication = AvahiService.Publication(
            type: Self.serviceType, instanceName: record.instanceName(team: subkeys), port: tcpPort, txt: record.encode(team: subkeys))
        service = AvahiService(publication: publication, browseType: Self.serviceType, logger: logger) { event in
            let (changes, rejection) = sightings.mutex.withLock { $0.apply(event, nowMilliseconds: now()) }
            if let rejection {
                logger.debug("ignored an mDNS record", metadata: ["service": "\(event.instanceName)", "reason": "\(rejection)"])
            }
            for change in changes { continuation.yield(change) }
        }
    }

    /// Resolves every instance that speaks for `device` again (a dial to its
    /// address failed: the record may have changed without an event, see
    /// ``AvahiService/resolveAgain(_:)``).
    public func resolveAgain(_ device: DeviceFingerprint) {
        let names = sightings.mutex.withLock { $0.instanceNames(of: device) }
        for name in names { service.resolveAgain(name) }
    }

    /// The system's wall clock in Unix milliseconds.
    @Sendable public static func wallClock() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }

    /// Called (on the Avahi thread) when the record is registered; the lab's timing hook.
    public var onRegistered: (@Sendable () -> Void)? {
        get { service.onRegistered }
        set { service.onRegistered = newValue }
    }

    /// The instance name published now (changes every epoch, and after a collision).
    public var instanceName: String? { service.instanceName }

    /// Starts the Avahi thread. Throws only if Avahi cannot even be set up;
    /// a daemon that is not running is logged once (with the fix) and waited for.
    public func start() throws(DiscoveryError) {
        try service.start()
    }

    /// Re-seals the record now (name or status changed, the refresh is due,
    /// or a new epoch began): a TXT update in place within an epoch, a new
    /// instance name across one.
    public func update(displayName: String? = nil, status: PresenceStatus? = nil) {
        record.withLock { record in
            let epoch = record.epoch
            if let displayName { record.displayName = displayName }
            if let status { record.status = status }
            record.published = max(now(), record.published)
            let txt = record.encode(team: team)
            if record.epoch == epoch {
                service.update(txt: txt)
            } else {
                service.republish(instanceName: record.instanceName(team: team), txt: txt)
            }
        }
    }

    /// Keeps the record fresh until cancelled: sleeps until the next
    /// refresh or epoch boundary (``DiscoveryTimes/nextPublication(after:)``), then re-seals.
    func keepFresh() async {
        while !Task.isCancelled {
            let due = DiscoveryTimes.nextPublication(after: record.withLock { $0.published })
            let current = now()
            if due > current {
                // Wall-clock deadline, slept on the monotonic clock in steps of at most a
                // minute, so a clock that jumps (suspend, NTP) is noticed soon.
                try? await Task.sleep(for: .milliseconds(min(due - current, 60_000)))
                continue
            }
            update()
        }
    }

    /// Withdraws the record (an mDNS goodbye) and stops.
    public func stop() {
        service.stop()
        continuation.finish()
    }

    /// Records from the network that were ignored (other teams, malformed, tampered, copied, stale).
    public var rejectedRecords: Int { sightings.mutex.withLock { $0.rejected } }
}

/// A mutex the Avahi observer closure can share with its owner (a `Mutex` cannot be captured).
private final class Locked<Value: Sendable>: Sendable {
    let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }
}
