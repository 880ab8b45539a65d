/// What one side shows about the other: the patent's six session states plus a
/// neutral `active` that means "nothing to show".
///
/// The raw values travel on the wire (one byte in a state frame); never renumber.
public enum SessionState: UInt8, Sendable, CaseIterable, Codable, Hashable {
    case active = 0
    case typing = 1
    case pausedTyping = 2
    case leftTemporarily = 3
    case reading = 4
    case closedWindow = 5
    case away = 6
}
