/// What went wrong in NatterWire, with a message a user can act on.
///
/// Errors never carry key material or message text (they may be logged).
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidTeamKey
    case invalidDeviceKey

    public var description: String {
        switch self {
        case .invalidTeamKey: "the team key must be exactly 32 bytes; re-join with `natter team join CODE`"
        case .invalidDeviceKey: "the device key file is damaged; move it aside and run `natter init` to make a new identity"
        }
    }
}
