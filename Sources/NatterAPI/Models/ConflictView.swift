/// A device refused for a name it may not have (Docs/api.md): another device
/// holds the name's pin, or the name is this user's own. Listed by
/// `GET /v1/conflicts` and reported once per run of the daemon as a
/// `conflict` event; it is never a colleague, and PEER never means it by name.
public struct ConflictView: Codable, Sendable, Equatable {
    public var type: APIEvent.Kind = .conflict
    /// The name the device claims.
    public var name: String
    /// The claiming device's fingerprint (compact), and in groups of four.
    public var fingerprint: String
    public var fingerprintGroups: String
    /// The fingerprint the name is pinned to — this user's own when `ownName` — and in groups of four.
    public var pinned: String
    public var pinnedGroups: String
    /// The name is this user's own display name: no colleague's device may hold it.
    public var ownName: Bool
    /// How often the device was refused or seen claiming the name since the daemon started.
    public var refusals: Int
    /// What the user can run, shell-quoted: `natter trust NAME` when the
    /// device is the one last refused for a colleague's name (their new
    /// device, after comparing fingerprints), and `natter forget PREFIX`.
    public var resolve: [String]

    public init(
        name: String, fingerprint: String, fingerprintGroups: String, pinned: String, pinnedGroups: String, ownName: Bool,
        refusals: Int, resolve: [String]
    ) {
        self.name = name
        self.fingerprint = fingerprint
        self.fingerprintGroups = fingerprintGroups
        self.pinned = pinned
        self.pinnedGroups = pinnedGroups
        self.ownName = ownName
        self.refusals = refusals
        self.resolve = resolve
    }
}

/// `POST /v1/forget`: PEER is a colleague (as everywhere) or a device in
/// conflict by a fingerprint prefix; `history` also deletes the messages.
public struct ForgetRequest: Codable, Sendable, Equatable {
    public var peer: String
    public var history: Bool?
    public init(peer: String, history: Bool? = nil) {
        self.peer = peer
        self.history = history
    }
}

/// The answer to `POST /v1/forget`.
public struct ForgetView: Codable, Sendable, Equatable {
    /// The forgotten device (compact).
    public var fingerprint: String
    /// The name it had here (pinned, or claimed when it was in conflict).
    public var name: String
    /// It was a device in conflict, not a colleague.
    public var conflict: Bool
    /// Messages deleted with it (0 unless `history` was asked for).
    public var messagesDeleted: Int

    public init(fingerprint: String, name: String, conflict: Bool, messagesDeleted: Int) {
        self.fingerprint = fingerprint
        self.name = name
        self.conflict = conflict
        self.messagesDeleted = messagesDeleted
    }
}
