/// The language of the state lines shown to the user.
public enum DisplayLanguage: String, Sendable, Codable, CaseIterable {
    case english = "en"
    case simplifiedChinese = "zh"
}

/// The line shown for a colleague's state, exactly as the product brief's
/// table gives it; nil for `active` (nothing to show).
public func displayText(for state: SessionState, name: String, language: DisplayLanguage) -> String? {
    switch (state, language) {
    case (.active, _): nil
    case (.typing, .english): "\(name) is typing…"
    case (.typing, .simplifiedChinese): "\(name)正在输入消息"
    case (.pausedTyping, .english): "\(name) paused typing"
    case (.pausedTyping, .simplifiedChinese): "\(name)暂停输入消息"
    case (.leftTemporarily, .english): "\(name) has left the conversation for a moment"
    case (.leftTemporarily, .simplifiedChinese): "\(name)暂时离开会话"
    case (.reading, .english): "\(name) is reading your message"
    case (.reading, .simplifiedChinese): "\(name)正在阅读消息"
    case (.closedWindow, .english): "\(name) closed the conversation"
    case (.closedWindow, .simplifiedChinese): "\(name)关闭了会话窗口"
    case (.away, .english): "\(name) is away"
    case (.away, .simplifiedChinese): "\(name)外出或离开"
    }
}
