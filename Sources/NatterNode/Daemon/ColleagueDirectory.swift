import NatterAPI
import NatterCore

/// Everything the daemon knows about colleagues, as a value: who is linked
/// (and from where), who discovery sees, the names remembered from earlier
/// runs, and this user's sharing overrides. It answers the questions the
/// daemon asks — a colleague's name, who PEER means, who is online — without
/// any I/O, so each rule is a unit test.
struct ColleagueDirectory: Sendable {
    let ownFingerprint: DeviceFingerprint
    /// Colleagues with an admitted link now: the only ones with session state.
    private(set) var linked: Set<DeviceFingerprint> = []
    /// The address each link came from (how static peers are matched).
    private(set) var linkHosts: [DeviceFingerprint: String] = [:]
    /// Colleagues whose link runs through a forwarder.
    private(set) var relayed: Set<DeviceFingerprint> = []
    /// Names and presence as discovery (the sealed mDNS record) reports them.
    private(set) var sightings: [DeviceFingerprint: Sighting] = [:]
    /// Names remembered from the store and from hello frames.
    private(set) var names: [DeviceFingerprint: String] = [:]
    /// Per-colleague session-state sharing overrides.
    private(set) var overrides: [DeviceFingerprint: Bool] = [:]

    struct Sighting: Equatable, Sendable {
        var name: String?
        var status: PresenceStatus?
    }

    init(ownFingerprint: DeviceFingerprint, remembered: [KnownPeer] = []) {
        self.ownFingerprint = ownFingerprint
        for peer in remembered where peer.fingerprint != ownFingerprint {
            if !peer.displayName.isEmpty { names[peer.fingerprint] = peer.displayName }
            if let share = peer.shareState { overrides[peer.fingerprint] = share }
        }
    }

    func isLinked(_ peer: DeviceFingerprint) -> Bool { linked.contains(peer) }

    /// The name to show: discovery's (freshest), else the remembered one,
    /// else the start of the fingerprint.
    func name(of peer: DeviceFingerprint) -> String {
        knownName(of: peer) ?? String(peer.compact.prefix(8))
    }

    /// The name discovery or a hello gave; nil when nobody has said yet.
    func knownName(of peer: DeviceFingerprint) -> String? {
        sightings[peer]?.name ?? names[peer]
    }

    /// Presence while online: what discovery announced, `available` without mDNS.
    func status(of peer: DeviceFingerprint) -> PresenceStatus? {
        linked.contains(peer) ? (sightings[peer]?.status ?? .available) : nil
    }

    /// Every colleague this device knows, for PEER resolution and listings.
    var candidates: [PeerResolver.Candidate] {
        var all = Set(names.keys).union(sightings.keys).union(linked)
        all.remove(ownFingerprint)
        return all.map { PeerResolver.Candidate(fingerprint: $0, name: name(of: $0)) }
    }

    func resolve(_ query: String) -> Result<DeviceFingerprint, PeerResolver.Failure> {
        PeerResolver.resolve(query, among: candidates).map(\.fingerprint)
    }

    // MARK: Changes

    /// An admitted link is up. Returns true when the colleague just came online.
    mutating func linkUp(_ peer: DeviceFingerprint, name: String, host: String, relayed isRelayed: Bool = false) -> Bool {
        if !name.isEmpty { names[peer] = name }
        linkHosts[peer] = host
        if isRelayed { relayed.insert(peer) } else { relayed.remove(peer) }
        return linked.insert(peer).inserted
    }

    /// The last link is gone. Returns true when the colleague just went offline.
    mutating func linkDown(_ peer: DeviceFingerprint) -> Bool {
        linkHosts[peer] = nil
        relayed.remove(peer)
        return linked.remove(peer) != nil
    }

    /// Discovery reported the colleague. Returns true when what users see of
    /// them (name or status) changed.
    mutating func sighted(_ peer: DeviceFingerprint, name: String?, status: PresenceStatus?) -> Bool {
        let sighting = Sighting(name: name, status: status)
        defer { sightings[peer] = sighting }
        return sightings[peer] != sighting
    }

    mutating func lost(_ peer: DeviceFingerprint) {
        sightings[peer] = nil
    }

    mutating func setOverride(_ share: Bool?, for peer: DeviceFingerprint) {
        overrides[peer] = share
    }

    /// `natter trust`: the colleague's new device takes the old one's place.
    mutating func replace(_ old: DeviceFingerprint, with new: DeviceFingerprint) {
        if names[new] == nil { names[new] = names[old] }
        if overrides[new] == nil { overrides[new] = overrides[old] }
        names[old] = nil
        overrides[old] = nil
        sightings[old] = nil
    }

    /// How the link to `peer` runs; nil while they are offline.
    func path(to peer: DeviceFingerprint) -> LinkPath? {
        linked.contains(peer) ? (relayed.contains(peer) ? .relayed : .direct) : nil
    }

    /// Whether some admitted link came from `host` (a static peer is linked).
    func hasLink(from host: String) -> Bool { linkHosts.values.contains(host) }
}
