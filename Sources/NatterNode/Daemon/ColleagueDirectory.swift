import NatterAPI
import NatterCore

/// Everything the daemon knows about colleagues, as a value: who is linked
/// (and from where), who discovery sees, the names remembered from earlier
/// runs, the pins, and this user's sharing overrides. It answers the
/// questions the daemon asks — a colleague's name, who PEER means, who is
/// online, which devices claim a name they may not have — without any I/O,
/// so each rule is a unit test.
///
/// Names are claims, fingerprints are identities: a name means the device it
/// is pinned to (``PinTable``). A device whose claimed name — from its hello,
/// from mDNS or from the forwarder's directory, or remembered — is pinned to
/// another device or is this user's own name is a ``Conflict``, listed apart
/// and never a second colleague of that name.
struct ColleagueDirectory: Sendable {
    let ownFingerprint: DeviceFingerprint
    /// This user's display name: no other device may hold it.
    let ownName: String?
    /// The pins as last read (``refresh(pins:)``).
    private(set) var pins = PinTable()
    /// The names pinned to each device, sorted (an index of `pins`: an office of thousands is listed often).
    private var pinnedNames: [DeviceFingerprint: [String]] = [:]
    /// Colleagues with an admitted link now: the only ones with session state.
    private(set) var linked: Set<DeviceFingerprint> = []
    /// Presence statuses linked colleagues sent on their links (§5.3, code 0x83).
    private var linkPresence: [DeviceFingerprint: PresenceStatus] = [:]
    /// Linked colleagues that take this user's presence on the link.
    private(set) var presenceOnLink: Set<DeviceFingerprint> = []
    /// The address each link came from (how static peers are matched).
    private(set) var linkHosts: [DeviceFingerprint: String] = [:]
    /// Colleagues whose link runs through a forwarder.
    private(set) var relayed: Set<DeviceFingerprint> = []
    /// Names and presence as discovery (the sealed mDNS record) reports them.
    private(set) var sightings: [DeviceFingerprint: Sighting] = [:]
    /// Names remembered from the store and from hello frames (refused ones too: a claim).
    private(set) var names: [DeviceFingerprint: String] = [:]
    /// Per-colleague session-state sharing overrides.
    private(set) var overrides: [DeviceFingerprint: Bool] = [:]

    struct Sighting: Equatable, Sendable {
        var name: String?
        var status: PresenceStatus?
    }

    /// A device refused for a name (or claiming one on mDNS) that it may not have.
    struct Conflict: Equatable, Sendable {
        /// The name claimed.
        let name: String
        /// The device claiming it.
        let claimant: DeviceFingerprint
        /// The device the name is pinned to, or this user's own (``isOwnName``).
        let holder: DeviceFingerprint
        let isOwnName: Bool
        /// Whether `natter trust NAME` would pin the claimant: it is the
        /// device last refused for the name, and the name is not this user's.
        let trustable: Bool
    }

    init(ownFingerprint: DeviceFingerprint, ownName: String? = nil, remembered: [KnownPeer] = [], pins: PinTable = PinTable()) {
        self.ownFingerprint = ownFingerprint
        self.ownName = ownName
        refresh(pins: pins)
        for peer in remembered where peer.fingerprint != ownFingerprint {
            if !peer.displayName.isEmpty { names[peer.fingerprint] = peer.displayName }
            if let share = peer.shareState { overrides[peer.fingerprint] = share }
        }
    }

    func isLinked(_ peer: DeviceFingerprint) -> Bool { linked.contains(peer) }

    /// The name to show: the pinned one (as the device's last hello spelt
    /// it); for a device not pinned yet, discovery's (freshest), else the
    /// remembered one — unless that claim is a conflict; else the start of
    /// the fingerprint.
    func name(of peer: DeviceFingerprint) -> String {
        knownName(of: peer).flatMap { isPinned(peer) || conflict(for: peer) == nil ? $0 : nil } ?? String(peer.compact.prefix(8))
    }

    /// The name to remember for `peer`: pinned, else claimed; nil when nobody has said yet.
    func knownName(of peer: DeviceFingerprint) -> String? {
        pinnedName(of: peer) ?? claimedName(of: peer)
    }

    /// The name pinned to `peer`, spelt as its hello last did.
    func pinnedName(of peer: DeviceFingerprint) -> String? {
        if let said = names[peer], pins.pin(for: said)?.fingerprint == peer { return said }
        return pinnedNames[peer]?.first
    }

    func isPinned(_ peer: DeviceFingerprint) -> Bool { pinnedName(of: peer) != nil }

    /// The name `peer` claims now. A pinned device's mDNS name is not its
    /// claim (a member can publish a record with anyone's fingerprint); its
    /// hello's is. A device refused for a name and heard of no more still
    /// claims that name.
    func claimedName(of peer: DeviceFingerprint) -> String? {
        if isPinned(peer) { return names[peer] }
        return sightings[peer]?.name ?? names[peer] ?? pins.refusals.last { $0.fingerprint == peer }?.name
    }

    /// The conflict `peer`'s claim makes, if any.
    func conflict(for peer: DeviceFingerprint) -> Conflict? {
        guard peer != ownFingerprint, let claimed = claimedName(of: peer) else { return nil }
        switch pins.claim(claimed, by: peer, ownName: ownName) {
        case .known, .free:
            return nil
        case .ownName:
            return Conflict(name: claimed, claimant: peer, holder: ownFingerprint, isOwnName: true, trustable: false)
        case .taken(let holder):
            return Conflict(
                name: claimed, claimant: peer, holder: holder, isOwnName: false,
                trustable: pins.lastRefusal(for: claimed)?.fingerprint == peer)
        }
    }

    /// Every device in conflict: those this daemon has heard of and those on
    /// record as refused, by name.
    var conflicts: [Conflict] {
        var all = Set(names.keys).union(sightings.keys).union(pins.refusals.map(\.fingerprint))
        all.remove(ownFingerprint)
        return all.compactMap(conflict(for:)).sorted { ($0.name, $0.claimant.compact) < ($1.name, $1.claimant.compact) }
    }

    /// Presence while online: what discovery announced, `available` without mDNS.
    func status(of peer: DeviceFingerprint) -> PresenceStatus? {
        guard linked.contains(peer) else { return nil }
        return linkPresence[peer] ?? sightings[peer]?.status ?? .available
    }

    /// The colleague's link announced presence on the link (§5.3): it is sent
    /// this user's status there, now and at every change. False when the peer
    /// is not linked (a features frame from a link the daemon did not admit).
    mutating func takesPresenceOnLink(_ peer: DeviceFingerprint) -> Bool {
        guard linked.contains(peer) else { return false }
        presenceOnLink.insert(peer)
        return true
    }

    /// A presence frame from a linked colleague: it takes precedence over the
    /// status in their mDNS record, which is read once (the resolver closes
    /// after it answers). Returns true when what users see changed.
    mutating func linkPresence(_ status: PresenceStatus, of peer: DeviceFingerprint) -> Bool {
        guard linked.contains(peer) else { return false }
        let before = self.status(of: peer)
        linkPresence[peer] = status
        return before != status
    }

    /// Every colleague this device knows, for PEER resolution and listings:
    /// pinned devices, and devices not pinned yet whose claim conflicts with
    /// nobody. A device in conflict is not a colleague of that name.
    var candidates: [PeerResolver.Candidate] {
        var all = Set(names.keys).union(sightings.keys).union(linked).union(pinnedNames.keys)
        all.remove(ownFingerprint)
        return all.filter { isPinned($0) || conflict(for: $0) == nil }.map { PeerResolver.Candidate(fingerprint: $0, name: name(of: $0)) }
    }

    /// Who PEER means among colleagues: a name resolves to the device it is pinned to.
    func resolve(_ query: String) -> Result<DeviceFingerprint, PeerResolver.Failure> {
        PeerResolver.resolve(query, among: candidates).map(\.fingerprint)
    }

    /// Who PEER means for `natter forget`: a colleague as in ``resolve(_:)``,
    /// else a device in conflict by a prefix of its fingerprint (its name is
    /// not its own, so the name does not find it).
    func resolveForgettable(_ query: String) -> Result<DeviceFingerprint, PeerResolver.Failure> {
        // A whole fingerprint is the device, whatever a colleague calls herself.
        let whole = Base32.normalize(query)
        if let claimant = conflicts.first(where: { $0.claimant.compact == whole })?.claimant,
            !candidates.contains(where: { $0.fingerprint.compact == whole })
        {
            return .success(claimant)
        }
        let colleague = resolve(query)
        guard case .failure(.noMatch) = colleague else { return colleague }
        let claimants = conflicts.map { PeerResolver.Candidate(fingerprint: $0.claimant, name: $0.name) }
        let trimmed = query.filter { $0 != " " }
        guard trimmed.count >= 4 else { return colleague }
        let matches = claimants.filter { $0.fingerprint.matches(prefix: trimmed) }
        switch matches.count {
        case 0: return colleague
        case 1: return .success(matches[0].fingerprint)
        default: return .failure(.ambiguous(query, matches))
        }
    }

    // MARK: Changes

    /// The pins as the file has them now (the daemon reads it before deciding).
    mutating func refresh(pins: PinTable) {
        guard pins != self.pins || pinnedNames.isEmpty else { return }
        self.pins = pins
        pinnedNames = Dictionary(grouping: pins.pinned.values, by: \.fingerprint).mapValues { $0.map(\.name).sorted() }
    }

    /// A link's hello claimed `name` and was refused: remembered as its claim,
    /// so the conflict is listed.
    mutating func refused(_ peer: DeviceFingerprint, claiming name: String) {
        names[peer] = name
    }

    /// `natter forget`: nothing of `peer` is left but what the link layer
    /// still holds (the daemon closes that).
    mutating func forget(_ peer: DeviceFingerprint) {
        names[peer] = nil
        sightings[peer] = nil
        overrides[peer] = nil
        var remaining = pins
        _ = remaining.forget(peer)
        refresh(pins: remaining)
    }

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
        linkPresence[peer] = nil
        presenceOnLink.remove(peer)
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
