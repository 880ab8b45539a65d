import Glibc

/// systemd-logind's view of the user's graphical session, on the system bus:
/// `LockedHint` (a locked screen is *away* at once), `IdleHint` and
/// `IdleSinceHint` (the desktop sets them after its own idle delay). The
/// session is the user's `Display` session (`/org/freedesktop/login1/user/self`),
/// since a daemon run as a systemd user service is in no session itself.
///
/// `IdleHint` false says only that the desktop's own delay has not passed —
/// not when the last input was — so it is *silent*, neither delaying nor
/// hastening *away*.
struct LogindIdleSource: IdleSource {
    let name = "logind"
    let kind = IdleSourceKind.session
    let reportsLocks = true
    let bus: Busctl

    static let service = "org.freedesktop.login1"

    init?(environment: [String: String]) {
        guard let bus = Busctl(bus: .system, environment: environment) else { return nil }
        self.bus = bus
    }

    func look() async -> IdleObservation? {
        guard let session = await displaySession(),
            let hints = await bus.properties(
                Self.service, session, "org.freedesktop.login1.Session", ["LockedHint", "IdleHint", "IdleSinceHint"])
        else { return nil }
        return Self.observation(locked: hints[0].boolean, idle: hints[1].boolean, idleSinceMicroseconds: hints[2].unsigned)
    }

    /// The hints as an observation; `now` is the wall clock in microseconds
    /// (`IdleSinceHint` is `CLOCK_REALTIME`).
    static func observation(locked: Bool?, idle: Bool?, idleSinceMicroseconds: UInt64?, now: UInt64 = wallMicroseconds()) -> IdleObservation? {
        guard let locked, let idle, let since = idleSinceMicroseconds else { return nil }
        if locked { return .locked }
        guard idle, since > 0 else { return .silent }
        return .idle(for: .microseconds(now > since ? now - since : 0))
    }

    /// The object path of the user's graphical session, else the caller's own session.
    private func displaySession() async -> String? {
        let display = await bus.properties(Self.service, "/org/freedesktop/login1/user/self", "org.freedesktop.login1.User", ["Display"])
        if let path = display?.last?.text, path != "/" { return path }
        return "/org/freedesktop/login1/session/auto"
    }

    static func wallMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
