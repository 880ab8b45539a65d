/// The line a group's history shows for a membership change ("Alice added
/// Dave"), in the user's language like the state lines (``displayText(for:name:language:)``).
/// Made when it is shown, from the change itself, so it follows the user's
/// language and colleagues' current names; `name` gives each display name.
/// The author is left out of the members a creation lists.
public func displayText(
    for change: MembershipChange, by author: DeviceFingerprint, in group: GroupName, language: DisplayLanguage,
    name: (DeviceFingerprint) -> String
) -> String {
    let who = name(author)
    let separator = language == .english ? ", " : "、"
    func names(_ members: [DeviceFingerprint]) -> String { members.filter { $0 != author }.map(name).joined(separator: separator) }
    switch (change, language) {
    case (.created(_, let members), .english): return "\(who) created \(group) with \(names(members))"
    case (.created(_, let members), .simplifiedChinese): return "\(who)创建了\(group)，成员有\(names(members))"
    case (.added(let members), .english): return "\(who) added \(names(members))"
    case (.added(let members), .simplifiedChinese): return "\(who)添加了\(names(members))"
    case (.removed(let members), .english): return "\(who) removed \(names(members))"
    case (.removed(let members), .simplifiedChinese): return "\(who)移除了\(names(members))"
    case (.left, .english): return "\(who) left"
    case (.left, .simplifiedChinese): return "\(who)退出了群组"
    }
}
