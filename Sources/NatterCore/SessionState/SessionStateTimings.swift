/// The engine's presets. The first three are the patent's (all configurable);
/// the rest make states soft, so none sticks forever when a packet or a peer is lost.
public struct SessionStateTimings: Sendable, Codable, Equatable {
    /// Typing stopped, nothing sent, for this long: *paused typing*. Patent: 5 s.
    public var pausedTyping: Duration = .seconds(5)
    /// The window unfocused or minimized for this long: *left temporarily*. Patent: 30 s.
    public var leftTemporarily: Duration = .seconds(30)
    /// No user input anywhere for this long: *away*. Patent: 5 min.
    public var away: Duration = .seconds(300)
    /// While typing continues, *typing* is sent again this often (Matrix and
    /// Zulip re-send typing notices every few seconds).
    public var typingRefresh: Duration = .seconds(3)
    /// A receiver drops *typing* not refreshed for this long: 8 s ≈ 2.7 × the
    /// refresh, so one lost refresh never blinks the indicator.
    public var typingLifetime: Duration = .seconds(8)
    /// Every other state (paused, left, reading, closed, away) is re-sent this
    /// often while it holds. These change rarely, so a slow refresh keeps the
    /// link quiet.
    public var longStateRefresh: Duration = .seconds(20)
    /// A receiver drops any other state not refreshed for this long: three
    /// refresh periods, so two lost refreshes in a row are tolerated.
    public var longStateLifetime: Duration = .seconds(60)

    public init() {}

    /// How often the sender repeats `state` while it holds; nil for `active`.
    public func refreshPeriod(for state: SessionState) -> Duration? {
        switch state {
        case .active: nil
        case .typing: typingRefresh
        default: longStateRefresh
        }
    }

    /// How long a receiver shows `state` without a refresh.
    public func lifetime(of state: SessionState) -> Duration {
        state == .typing ? typingLifetime : longStateLifetime
    }
}
