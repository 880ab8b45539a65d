/// Every limit of groups, named once (Docs/protocol.md §5.9).
public enum GroupLimits {
    /// Members of one group, its creator included. 64 is the floor: an
    /// office team or a floor. Each message costs the sender one frame and one
    /// outbox entry per member, so the limit bounds what one send fans out to.
    public static let maximumMembers = 64
    /// A group name's UTF-8 bytes: the same bound as a display name, so a name
    /// fits one line of `natter group list` and one frame field with a u8 length.
    public static let maximumNameBytes = 64
}
