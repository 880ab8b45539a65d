/// What one side shows about the other: the patent's six session states plus a
/// neutral `active` that means "nothing to show".
///
/// The raw value is the name the local API and `--json` output use; the wire
/// carries ``code``, one byte in a state frame (never renumber).
public enum SessionState: String, Sendable, CaseIterable, Codable, Hashable {
    case active
    case typing
    case pausedTyping
    case leftTemporarily
    case reading
    case closedWindow
    case away

    /// The state's byte in a state frame (Docs/protocol.md, "Frames").
    public var code: UInt8 {
        switch self {
        case .active: 0
        case .typing: 1
        case .pausedTyping: 2
        case .leftTemporarily: 3
        case .reading: 4
        case .closedWindow: 5
        case .away: 6
        }
    }

    /// The state for a frame's byte; nil for a code this version does not know.
    public init?(code: UInt8) {
        guard let state = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = state
    }
}
