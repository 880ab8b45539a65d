/// The desktop's own idle monitor on the user's session bus: GNOME's
/// `org.gnome.Mutter.IdleMonitor.GetIdletime` (milliseconds; works on
/// Wayland, where no X server sees the input) or the freedesktop
/// `org.freedesktop.ScreenSaver.GetSessionIdleTime` (seconds; KDE and others).
struct DesktopMonitorIdleSource: IdleSource {
    enum Monitor: Sendable {
        case mutter
        case freedesktopScreenSaver
    }

    let monitor: Monitor
    let bus: Busctl
    let kind = IdleSourceKind.display
    let reportsLocks = false

    var name: String { monitor == .mutter ? "mutter" : "screensaver" }

    init?(_ monitor: Monitor, environment: [String: String]) {
        guard let bus = Busctl(bus: .user, environment: environment) else { return nil }
        self.monitor = monitor
        self.bus = bus
    }

    func look() async -> IdleObservation? {
        switch monitor {
        case .mutter:
            let reply = await bus.call(
                "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor", "GetIdletime")
            return reply?.first?.unsigned.map { .idle(for: .milliseconds(Int64(clamping: $0))) }
        case .freedesktopScreenSaver:
            let reply = await bus.call(
                "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "GetSessionIdleTime")
            return reply?.first?.unsigned.map { .idle(for: .seconds(Int64(clamping: $0))) }
        }
    }
}
