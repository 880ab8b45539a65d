/// What the patent's three detectors report about one conversation window.
public enum DetectorSignal: String, Sendable, CaseIterable, Codable {
    // Keyboard detector: the conversation's input box.
    /// A key changed the input box and it is not empty.
    case keystroke
    /// The input box became empty without sending.
    case inputCleared
    /// The user sent the input box's text.
    case messageSent
    /// A chat message from the colleague arrived in this conversation.
    case messageReceived

    // Window-state detector.
    case windowOpened
    case windowFocused
    case windowUnfocused
    case windowMinimized
    case windowRestored
    case windowClosed

    // Idle detector.
    /// Any user input anywhere (mouse, keys in other windows).
    case userActivity
}

extension DetectorSignal {
    /// Signals from the conversation's own input box: the user is in the window.
    var isInputInWindow: Bool {
        switch self {
        case .keystroke, .inputCleared, .messageSent: true
        default: false
        }
    }
}
