/// A group's name as people write it after `#`: `#Lunch`.
///
/// One word (no whitespace, no control characters), so `#Lunch` stays one
/// shell argument and one token wherever a colleague is accepted; at most
/// ``GroupLimits/maximumNameBytes`` of UTF-8. Names are compared without
/// case, like colleagues' names, so `#lunch` finds `#Lunch` and a second
/// `#LUNCH` is a clash.
public struct GroupName: Hashable, Sendable, CustomStringConvertible {
    public let text: String

    /// Accepts `Lunch` or `#Lunch` (the sigil is not part of the name).
    /// - Throws: ``GroupRuleError/invalidName(_:)`` with the reason.
    public init(_ written: String) throws(GroupRuleError) {
        let text = written.hasPrefix("#") ? String(written.dropFirst()) : written
        guard !text.isEmpty else { throw .invalidName("a group name cannot be empty; write it as #Name") }
        guard text.utf8.count <= GroupLimits.maximumNameBytes else {
            throw .invalidName("the group name is \(text.utf8.count) bytes of UTF-8, over the limit of \(GroupLimits.maximumNameBytes)")
        }
        guard !text.hasPrefix("#") else { throw .invalidName("a group name cannot start with a second #") }
        let refused = text.unicodeScalars.first { $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
        guard refused == nil else {
            throw .invalidName("a group name is one word without spaces or control characters; try #\(text.split(whereSeparator: \.isWhitespace).joined(separator: "-"))")
        }
        self.text = text
    }

    /// True when `other` names the same group (case-insensitive).
    public func sameName(as other: GroupName) -> Bool { key == other.key }

    /// The form names are compared by.
    public var key: String { text.lowercased() }

    /// `#Lunch`.
    public var description: String { "#" + text }

    /// True when a colleague argument addresses a group rather than a person.
    public static func isGroupAddress(_ argument: String) -> Bool { argument.hasPrefix("#") }
}
