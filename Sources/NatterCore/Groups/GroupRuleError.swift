/// Why a group operation is refused. Each message says what happened and
/// what to do, for the API's 400/403/404 answers and the CLI.
public enum GroupRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidName(String)
    case unknownGroup(String)
    case nameClash(String)
    /// This user is in more than one group of that name (or id prefix).
    case ambiguousName(String, [GroupID])
    case authorNotMember
    case onlyCreatorRemoves
    case alreadyMember(DeviceFingerprint)
    case notMember(DeviceFingerprint)
    case tooLarge(Int)
    case noOtherMember
    case creatorMustLeave
    /// An addition or removal naming nobody.
    case nobodyNamed
    /// An addition or removal naming a colleague twice: the wire refuses it
    /// (Docs/protocol.md §5.9), so no rule may let it through.
    case namedTwice(DeviceFingerprint)

    public var description: String {
        switch self {
        case .invalidName(let reason): reason
        case .unknownGroup(let name): "there is no group \(name); see natter group list"
        case .nameClash(let name): "a group called \(name) already exists; choose another name"
        case .ambiguousName(let name, let ids):
            "\(ids.count) of your groups are called \(name); write the one you mean by its id: "
                + ids.sorted().map { "#" + $0.hex.prefix(GroupAddress.shortestPrefix) }.joined(separator: " or ")
                + " (natter group list shows each group's id)"
        case .authorNotMember: "you are not a member of this group; ask a member to add you"
        case .onlyCreatorRemoves: "only the group's creator can remove members; anyone can leave with natter group leave"
        case .alreadyMember(let member): "\(member.compact.prefix(8)) is already a member"
        case .notMember(let member): "\(member.compact.prefix(8)) is not a member of this group"
        case .tooLarge(let count): "a group has at most \(GroupLimits.maximumMembers) members; this change would make \(count)"
        case .noOtherMember: "a group needs at least one member besides you"
        case .creatorMustLeave: "to leave your own group use natter group leave, not remove"
        case .nobodyNamed: "name at least one colleague"
        case .namedTwice(let member): "\(member.compact.prefix(8)) is named twice"
        }
    }
}
