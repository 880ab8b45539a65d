/// What the patent's three detectors report about one conversation window.
///
/// The raw values are the names front ends use on the local API
/// (`POST /v1/windows/ID/signals`); ``isReportedByFrontEnds`` says which ones
/// they may send — the daemon itself feeds `opened` and `messageReceived`.
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
    case opened
    case focused
    case unfocused
    case minimized
    case restored
    case closed

    // Idle detector.
    /// Any user input anywhere (mouse, keys in other windows).
    case activity
}

extension DetectorSignal {
    /// Signals from the conversation's own input box: the user is in the window.
    var isInputInWindow: Bool {
        switch self {
        case .keystroke, .inputCleared, .messageSent: true
        default: false
        }
    }

    /// User input: it also tells every other window that the user is at the
    /// computer (the idle detector watches input anywhere).
    public var isUserInput: Bool {
        switch self {
        case .keystroke, .inputCleared, .messageSent, .activity, .focused: true
        default: false
        }
    }

    /// What a front end may report; the daemon feeds the rest itself.
    public var isReportedByFrontEnds: Bool {
        switch self {
        case .opened, .messageReceived: false
        default: true
        }
    }
}
