import NatterCore

/// Says which of many identical log lines to write: the first at once, then
/// at most one per `interval` carrying how many were held back, and a last
/// count when repeats stop (Linux's printk rate limit, "N callbacks
/// suppressed"). A full disk fails every write; without this it would write
/// a line per keystroke and per resend, and fill what is left of the disk
/// with the news that it is full.
///
/// Pure: the caller passes the time and writes the lines it is told to.
struct LogThrottle<Key: Hashable & Sendable>: Sendable {
    enum Decision: Equatable, Sendable {
        /// Write the line; `heldBack` identical ones were not written since
        /// the last one that was (0 the first time).
        case log(heldBack: Int)
        case holdBack
    }

    private struct Window: Sendable {
        var opened: MonotonicInstant
        var heldBack: Int
    }

    let interval: Duration
    /// Kinds of line tracked at once; beyond it a new kind is always written
    /// (never lost), only not counted.
    let capacity: Int
    private var windows: [Key: Window] = [:]

    init(interval: Duration, capacity: Int = 256) {
        self.interval = interval
        self.capacity = capacity
    }

    /// One occurrence of the line `key` at `now`.
    mutating func occurred(_ key: Key, at now: MonotonicInstant) -> Decision {
        if var window = windows[key], now < window.opened + interval {
            window.heldBack += 1
            windows[key] = window
            return .holdBack
        }
        let heldBack = windows[key]?.heldBack ?? 0
        if windows[key] != nil || windows.count < capacity {
            windows[key] = Window(opened: now, heldBack: 0)
        }
        return .log(heldBack: heldBack)
    }

    /// The lines whose interval is over with repeats held back and not yet
    /// told, and how many; they are forgotten, so the next occurrence is
    /// written at once. Call it now and then (the daemon's maintenance round).
    mutating func due(at now: MonotonicInstant) -> [(key: Key, heldBack: Int)] {
        var due: [(key: Key, heldBack: Int)] = []
        for (key, window) in windows where now >= window.opened + interval {
            if window.heldBack > 0 { due.append((key, window.heldBack)) }
            windows[key] = nil
        }
        return due
    }
}
