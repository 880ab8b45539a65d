import Foundation

/// The `Date` header of natter's HTTP responses (RFC 9110 §6.6.1, the
/// IMF-fixdate form), formatted when a response in a new second needs it.
///
/// Hummingbird's `Application` refreshes its date in a task woken every
/// second, for each server: the daemon runs three (the Unix socket, the web
/// UI on IPv4 and on IPv6): three timers a second, ~10 thread wake-ups, of
/// an idle daemon with nobody asking (issue 15, goal 4). Formatting on demand
/// costs a `gmtime_r` once per second of traffic and nothing while idle.
///
/// A value: the caller passes the time and keeps the value (under a lock when
/// shared, ``TimerlessApplication``).
struct HTTPDateHeader: Sendable {
    private var second: Int64?
    private var formatted = ""

    /// The header for the whole second `unixSeconds`; formats only when it
    /// differs from the previous call's.
    mutating func value(atUnixSeconds unixSeconds: Int64) -> String {
        if second != unixSeconds {
            second = unixSeconds
            formatted = Self.format(unixSeconds: unixSeconds)
        }
        return formatted
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`: always GMT and English, whatever the locale.
    static func format(unixSeconds: Int64) -> String {
        var time = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(Int(parts.tm_year) + 1900)
        return "\(weekdays[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
