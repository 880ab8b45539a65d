/// The idle sources a session may offer, in the order they are tried, and
/// which of them to keep once they have answered. Documented in
/// Docs/session-states.md ("Idle sources").
public enum IdleSources {
    /// Every source this machine could offer, in order: the login session
    /// (the only one that knows the screen is locked), the desktop's idle
    /// monitor (GNOME's, then the freedesktop one: they see input on Wayland
    /// too), the X server, the user's terminals. What is not installed or has
    /// no display or bus is left out here; the rest are asked once when
    /// detection starts (``chosen(from:)``).
    public static func candidates(environment: [String: String]) -> [any IdleSource] {
        var sources: [any IdleSource] = []
        if let logind = LogindIdleSource(environment: environment) { sources.append(logind) }
        if let mutter = DesktopMonitorIdleSource(.mutter, environment: environment) { sources.append(mutter) }
        if let screenSaver = DesktopMonitorIdleSource(.freedesktopScreenSaver, environment: environment) { sources.append(screenSaver) }
        if let x11 = XScreenSaverIdleSource(environment: environment) { sources.append(x11) }
        sources.append(TerminalIdleSource())
        return sources
    }

    /// Of the sources that answered a look, the ones to keep asking: all of
    /// them, except that of the display kind only the first in order is kept
    /// (GNOME's monitor, the screen saver and the X server count the same
    /// keystrokes, so asking more than one only costs process starts).
    static func chosen(from answered: [any IdleSource]) -> [any IdleSource] {
        var seenDisplay = false
        return answered.filter { source in
            guard source.kind == .display else { return true }
            defer { seenDisplay = true }
            return !seenDisplay
        }
    }
}
