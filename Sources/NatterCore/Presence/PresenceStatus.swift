/// The presence a user chooses to show (`natter status`), published to team
/// members in the sealed mDNS record. Slow data, unlike session states.
public enum PresenceStatus: String, Sendable, Codable, CaseIterable {
    case available, away, busy

    /// One byte in the sealed record.
    public var code: UInt8 {
        switch self {
        case .available: 0
        case .away: 1
        case .busy: 2
        }
    }

    public init?(code: UInt8) {
        switch code {
        case 0: self = .available
        case 1: self = .away
        case 2: self = .busy
        default: return nil
        }
    }
}
