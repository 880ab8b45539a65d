/// What a written group means besides its name: `#` and the group's id,
/// whole (32 hex digits) or its first 8 or more.
///
/// A whole id always means that group, even if another group is named with
/// those digits: a colleague who names a group after one of yours must not
/// take over what a front end addresses by id. A prefix is tried only when
/// no group has that name, so `#cafebabe` stays a name where it is one.
public enum GroupAddress: Equatable, Sendable {
    case id(GroupID)
    case idPrefix(String)
    case name

    /// The digits an id prefix needs: 4 billion values, so a user's groups
    /// almost never share one, and short enough to type.
    public static let shortestPrefix = 8

    public init(_ name: GroupName) {
        let text = name.text.lowercased()
        if let id = GroupID(hex: text) {
            self = .id(id)
        } else if text.count >= Self.shortestPrefix, text.allSatisfy(\.isHexDigit) {
            self = .idPrefix(text)
        } else {
            self = .name
        }
    }
}
