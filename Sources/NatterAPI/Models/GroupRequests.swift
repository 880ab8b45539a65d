/// `POST /v1/groups`: a new group with these colleagues (names or fingerprint prefixes).
public struct GroupCreateRequest: Codable, Sendable, Equatable {
    public var name: String
    public var members: [String]
    public init(name: String, members: [String]) {
        self.name = name
        self.members = members
    }
}

/// `POST /v1/groups/NAME/members` (add) and `POST /v1/groups/NAME/removals` (remove).
public struct GroupMembersRequest: Codable, Sendable, Equatable {
    public var members: [String]
    public init(members: [String]) { self.members = members }
}

/// `POST /v1/groups/NAME/messages` and `POST /v1/broadcasts`.
public struct GroupSendRequest: Codable, Sendable, Equatable {
    public var text: String
    public init(text: String) { self.text = text }
}
