import NatterCore
@testable import NatterDiscovery
import NatterWire
import Testing

@Suite("mDNS sightings folded by device")
struct PeerSightingsTests {
    let team = TeamKey().subkeys
    let me = DeviceIdentity().fingerprint
    let alice = DeviceIdentity().fingerprint
    let now = DiscoveryRecordTests.now

    func record(_ device: DeviceFingerprint, status: PresenceStatus = .available, published: UInt64? = nil) -> DiscoveryRecord {
        DiscoveryRecord(fingerprint: device, displayName: "Alice", status: status, published: published ?? now - 60_000)
    }

    func found(_ record: DiscoveryRecord, name: String? = nil, address: String = "10.0.0.1", changed: Bool = false) -> AvahiService.Event {
        let sighting = AvahiService.Sighting(
            instanceName: name ?? record.instanceName(team: team), txt: record.encode(team: team), address: address, port: 7300)
        return changed ? .changed(sighting) : .found(sighting)
    }

    func peer(_ record: DiscoveryRecord, address: String = "10.0.0.1") -> DiscoveredPeer {
        DiscoveredPeer(key: .device(record.fingerprint), displayName: record.displayName, status: record.status, addresses: [address], tcpPort: 7300)
    }

    @Test func aDeviceAppearsChangesAndDisappears() {
        var sightings = PeerSightings(team: team, own: me)
        let first = record(alice)
        #expect(sightings.apply(found(first), nowMilliseconds: now).events == [.appeared(peer(first))])
        let busy = record(alice, status: .busy, published: now)
        #expect(sightings.apply(found(busy, changed: true), nowMilliseconds: now).events == [.updated(peer(busy))])
        #expect(sightings.apply(.lost(instanceName: busy.instanceName(team: team)), nowMilliseconds: now).events == [.disappeared(.device(alice))])
        #expect(sightings.rejected == 0)
    }

    @Test func ourOwnRecordIsNeitherReportedNorCounted() {
        var sightings = PeerSightings(team: team, own: me)
        let (events, rejection) = sightings.apply(found(record(me)), nowMilliseconds: now)
        #expect(events.isEmpty && rejection == nil && sightings.rejected == 0)
    }

    /// Docs/protocol.md §8.1 (was): a stranger copied Alice's record to
    /// another host; when the copy vanished the daemon forgot the real
    /// Alice. Now a device disappears only with its last instance.
    @Test func aCopyThatVanishesDoesNotMakeTheRealDeviceDisappear() {
        var sightings = PeerSightings(team: team, own: me)
        let real = record(alice)
        let name = real.instanceName(team: team)
        #expect(sightings.apply(found(real), nowMilliseconds: now).events == [.appeared(peer(real))])
        // The copy on another host: Avahi there renames it "#2" (the name is taken).
        let copy = found(real, name: name + " #2", address: "10.0.0.66")
        #expect(sightings.apply(copy, nowMilliseconds: now).events.isEmpty, "the real instance still speaks for Alice")
        #expect(sightings.apply(.lost(instanceName: name + " #2"), nowMilliseconds: now).events.isEmpty)
        #expect(sightings.reported[alice] == peer(real))
        // The copy seen first (a receiver that started later): the base name
        // wins when it arrives, and the copy's loss changes nothing.
        var later = PeerSightings(team: team, own: me)
        #expect(later.apply(copy, nowMilliseconds: now).events == [.appeared(peer(real, address: "10.0.0.66"))])
        #expect(later.apply(found(real), nowMilliseconds: now).events == [.updated(peer(real))])
        #expect(later.apply(.lost(instanceName: name + " #2"), nowMilliseconds: now).events.isEmpty)
        #expect(later.apply(.lost(instanceName: name), nowMilliseconds: now).events == [.disappeared(.device(alice))])
    }

    @Test func aCopyUnderAnotherNameIsRefusedAndCounted() {
        var sightings = PeerSightings(team: team, own: me)
        let (events, rejection) = sightings.apply(found(record(alice), name: "natter-0123456789ab"), nowMilliseconds: now)
        #expect(events.isEmpty && rejection == .wrongInstance && sightings.rejected == 1)
    }

    /// A replayed older record (an old status or name) is refused, also
    /// under the device's own name, and what is shown stays the newest.
    @Test func aRecordOlderThanOneAlreadyHeldIsRefused() {
        var sightings = PeerSightings(team: team, own: me)
        let old = record(alice, status: .away, published: now - 10 * 60_000)
        let new = record(alice, status: .busy, published: now - 60_000)
        _ = sightings.apply(found(new), nowMilliseconds: now)
        let copy = found(old, name: old.instanceName(team: team) + " #2", address: "10.0.0.66")
        let (events, rejection) = sightings.apply(copy, nowMilliseconds: now)
        #expect(events.isEmpty && rejection == .stale && sightings.rejected == 1)
        #expect(sightings.reported[alice]?.status == .busy)
        // Even after the newer instance is gone, the older copy is not believed.
        _ = sightings.apply(.lost(instanceName: new.instanceName(team: team)), nowMilliseconds: now)
        #expect(sightings.apply(found(old), nowMilliseconds: now).rejection == .stale)
        #expect(sightings.reported[alice] == nil)
    }

    /// The daily rotation: the new name appears, the old one says goodbye,
    /// and the daemon sees one device throughout, whatever the order.
    @Test func theEpochRotationKeepsTheDeviceInEitherOrder() {
        let midnight = (now / DiscoveryTimes.epochMilliseconds + 1) * DiscoveryTimes.epochMilliseconds
        let yesterday = record(alice, published: midnight - 60_000)
        let today = record(alice, published: midnight)
        #expect(yesterday.instanceName(team: team) != today.instanceName(team: team))
        var sightings = PeerSightings(team: team, own: me)
        _ = sightings.apply(found(yesterday), nowMilliseconds: midnight - 1000)
        #expect(sightings.apply(found(today), nowMilliseconds: midnight + 1000).events.isEmpty)
        #expect(sightings.apply(.lost(instanceName: yesterday.instanceName(team: team)), nowMilliseconds: midnight + 1000).events.isEmpty)
        #expect(sightings.reported[alice] == peer(today))
        // Goodbye first (Avahi withdraws the old name while it probes the new one): a gap, then back.
        var gap = PeerSightings(team: team, own: me)
        _ = gap.apply(found(yesterday), nowMilliseconds: midnight - 1000)
        #expect(gap.apply(.lost(instanceName: yesterday.instanceName(team: team)), nowMilliseconds: midnight).events == [.disappeared(.device(alice))])
        #expect(gap.apply(found(today), nowMilliseconds: midnight + 1000).events == [.appeared(peer(today))])
    }

    @Test func aRecordThatTurnsBadStopsSpeakingForTheDevice() {
        var sightings = PeerSightings(team: team, own: me)
        let real = record(alice)
        _ = sightings.apply(found(real), nowMilliseconds: now)
        let tampered = AvahiService.Event.changed(
            AvahiService.Sighting(instanceName: real.instanceName(team: team), txt: ["v=2", "t=00"], address: "10.0.0.1", port: 7300))
        #expect(sightings.apply(tampered, nowMilliseconds: now).events == [.disappeared(.device(alice))])
        #expect(sightings.rejected == 1)
    }
}
