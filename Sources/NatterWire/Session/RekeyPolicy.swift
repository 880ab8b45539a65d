/// When a link's keys are replaced and when they are refused
/// (Docs/protocol.md §5.8). The standard policy is WireGuard's schedule; tests
/// shorten it to watch many rekeys in little time.
public struct RekeyPolicy: Sendable, Equatable {
    /// The dialler starts a rekey when the keys are this old…
    public var rekeyAfter: Duration
    /// …or after this many frames under them, whichever comes first.
    public var rekeyAfterMessages: UInt64
    /// Keys this old, or used for this many frames, close the link.
    public var rejectAfter: Duration
    public var rejectAfterMessages: UInt64

    public init(
        rekeyAfter: Duration = WireConstants.rekeyAfter, rekeyAfterMessages: UInt64 = WireConstants.rekeyAfterMessages,
        rejectAfter: Duration = WireConstants.rejectAfter, rejectAfterMessages: UInt64 = WireConstants.rejectAfterMessages
    ) {
        precondition(rekeyAfter < rejectAfter && rekeyAfterMessages < rejectAfterMessages, "a rekey must come before the keys are refused")
        self.rekeyAfter = rekeyAfter
        self.rekeyAfterMessages = rekeyAfterMessages
        self.rejectAfter = rejectAfter
        self.rejectAfterMessages = rejectAfterMessages
    }

    public static let standard = RekeyPolicy()

    /// The standard proportions (reject at 1.5 × the rekey time, as 180 s to
    /// 120 s) around a shorter rekey time: for tests only.
    public static func every(_ interval: Duration) -> RekeyPolicy {
        RekeyPolicy(rekeyAfter: interval, rejectAfter: interval * 3 / 2)
    }
}
