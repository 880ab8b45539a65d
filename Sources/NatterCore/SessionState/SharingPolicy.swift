/// Whether this user shares session state, globally and per colleague.
///
/// Off means the engine detects nothing, runs no timers and sends nothing for
/// that colleague. A per-colleague override beats the global switch either way,
/// so "off for everyone but Bob" and "on except for Carol" both work.
public struct SharingPolicy: Sendable, Equatable {
    public var sharesByDefault: Bool
    public var overrides: [DeviceFingerprint: Bool]

    public init(sharesByDefault: Bool = true, overrides: [DeviceFingerprint: Bool] = [:]) {
        self.sharesByDefault = sharesByDefault
        self.overrides = overrides
    }

    public func allows(_ colleague: DeviceFingerprint) -> Bool {
        overrides[colleague] ?? sharesByDefault
    }
}
