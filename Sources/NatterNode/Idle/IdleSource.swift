/// One place outside natter's windows that can tell when the user last
/// touched the computer: the login session's idle hint, the desktop's idle
/// monitor, the X server, the user's terminals.
///
/// The daemon asks its sources only while a conversation window detects
/// idleness with sharing on (privacy: off means no detection at all), and
/// combines their answers in `NatterCore.DesktopIdle`. Adapters are thin: they
/// run the system's own tools or read the file system and translate the
/// answer; every decision is in the pure code. See Docs/session-states.md.
public protocol IdleSource: Sendable {
    /// A short, stable name for logs ("logind", "x11", "terminals").
    var name: String { get }
    /// What the source measures; of several sources of the ``IdleSourceKind/display``
    /// kind only the first that answers is used (they measure the same input).
    var kind: IdleSourceKind { get }
    /// True when it can report a locked screen: it is then asked every few
    /// seconds, since a lock is *away* at once.
    var reportsLocks: Bool { get }
    /// What it sees now; nil when it cannot answer (this session does not
    /// offer it, or it went away). Returns within a few seconds.
    func look() async -> IdleObservation?
}

/// One answer of an ``IdleSource``.
public enum IdleObservation: Sendable, Equatable {
    /// The user's last input was this long ago.
    case idle(for: Duration)
    /// The screen is locked.
    case locked
    /// The source is there but knows no input time now.
    case silent
}

/// What an ``IdleSource`` watches.
public enum IdleSourceKind: Sendable, Equatable {
    /// The login session (systemd-logind): its idle and lock hints.
    case session
    /// Input to the display server (GNOME's idle monitor, the freedesktop
    /// screen saver, the X server): the same input seen through different doors.
    case display
    /// The user's terminals, local or remote (ssh).
    case terminals
}
