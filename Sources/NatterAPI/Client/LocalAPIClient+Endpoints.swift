import Foundation

/// One typed call per endpoint of Docs/api.md, so front ends never spell a
/// path or a JSON field themselves.
extension LocalAPIClient {
    public func status() throws(LocalAPIClientError) -> StatusView {
        try json("GET", "/v1/status")
    }

    public func setPresence(_ status: PresenceStatus) throws(LocalAPIClientError) -> StatusView {
        try json("POST", "/v1/status", body: PresenceRequest(status: status))
    }

    /// `peer` nil sets the global switch; with a peer, `share` nil removes the override.
    public func setPrivacy(share: Bool?, peer: String?) throws(LocalAPIClientError) -> StatusView {
        try json("POST", "/v1/privacy", body: PrivacyRequest(shareState: share, peer: peer))
    }

    public func peers() throws(LocalAPIClientError) -> [PeerView] {
        try json("GET", "/v1/peers")
    }

    public func send(to peer: String, text: String) throws(LocalAPIClientError) -> MessageView {
        try json("POST", "/v1/messages", body: SendRequest(peer: peer, text: text))
    }

    /// Several messages in one request (`POST /v1/messages/batch`), answered once all are stored.
    public func sendBatch(to peer: String, texts: [String]) throws(LocalAPIClientError) -> [MessageView] {
        try json("POST", "/v1/messages/batch", body: SendBatchRequest(peer: peer, texts: texts))
    }

    public func history(with peer: String, limit: Int) throws(LocalAPIClientError) -> [MessageView] {
        try json("GET", "/v1/messages?peer=\(Self.queryValue(peer))&limit=\(limit)")
    }

    public func openWindow(with peer: String) throws(LocalAPIClientError) -> WindowView {
        try json("POST", "/v1/windows", body: OpenWindowRequest(peer: peer))
    }

    public func signal(_ signal: DetectorSignal, window: UInt32) throws(LocalAPIClientError) {
        _ = try json("POST", "/v1/windows/\(window)/signals", body: SignalRequest(signal: signal), as: EmptyReply.self)
    }

    public func closeWindow(_ window: UInt32) throws(LocalAPIClientError) {
        _ = try json("DELETE", "/v1/windows/\(window)", as: EmptyReply.self)
    }

    public func trust(_ peer: String) throws(LocalAPIClientError) -> TrustView {
        try json("POST", "/v1/trust", body: TrustRequest(peer: peer))
    }

    /// Devices refused for a name they may not have.
    public func conflicts() throws(LocalAPIClientError) -> [ConflictView] {
        try json("GET", "/v1/conflicts")
    }

    /// Forgets a colleague's device or a device in conflict; `history` deletes its messages too.
    public func forget(_ peer: String, history: Bool) throws(LocalAPIClientError) -> ForgetView {
        try json("POST", "/v1/forget", body: ForgetRequest(peer: peer, history: history ? true : nil))
    }

    /// What only the daemon knows for `natter doctor` (its forwarders).
    public func doctor() throws(LocalAPIClientError) -> DoctorView {
        try json("GET", "/v1/doctor")
    }

    /// The same, with the UDP path check, the link's path and the last link
    /// error for one colleague (`peer`); waits up to 1.5 s for the check.
    public func doctor(peer: String) throws(LocalAPIClientError) -> DoctorView {
        try json("GET", "/v1/doctor?peer=\(Self.queryValue(peer))")
    }

    /// A one-time link to the web UI (`natter open`).
    public func webLink() throws(LocalAPIClientError) -> WebLinkView {
        try json("POST", "/v1/web/link")
    }

    /// The event stream; with a window, the daemon closes that window when
    /// the stream ends (a front end that vanished closed its window).
    public func events(window: UInt32?) -> AsyncThrowingStream<APIEvent, any Error> {
        events(window.map { "/v1/events?window=\($0)" } ?? "/v1/events")
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

// MARK: Groups (Docs/api.md, "Groups")

/// The group endpoints of Docs/api.md ("Groups").
extension LocalAPIClient {
    public func groups() throws(LocalAPIClientError) -> [GroupView] {
        try json("GET", "/v1/groups")
    }

    public func createGroup(_ name: String, members: [String]) throws(LocalAPIClientError) -> GroupView {
        try json("POST", "/v1/groups", body: GroupCreateRequest(name: name, members: members))
    }

    public func addMembers(_ members: [String], to group: String) throws(LocalAPIClientError) -> GroupView {
        try json("POST", "/v1/groups/\(Self.groupSegment(group))/members", body: GroupMembersRequest(members: members))
    }

    public func removeMembers(_ members: [String], from group: String) throws(LocalAPIClientError) -> GroupView {
        try json("POST", "/v1/groups/\(Self.groupSegment(group))/removals", body: GroupMembersRequest(members: members))
    }

    public func leaveGroup(_ group: String) throws(LocalAPIClientError) -> GroupView {
        try json("POST", "/v1/groups/\(Self.groupSegment(group))/leave", body: EmptyReply())
    }

    public func sendToGroup(_ group: String, text: String) throws(LocalAPIClientError) -> GroupMessageView {
        try json("POST", "/v1/groups/\(Self.groupSegment(group))/messages", body: GroupSendRequest(text: text))
    }

    public func groupHistory(_ group: String, limit: Int) throws(LocalAPIClientError) -> [GroupMessageView] {
        try json("GET", "/v1/groups/\(Self.groupSegment(group))/messages?limit=\(limit)")
    }

    /// `natter send --everyone`.
    public func broadcast(_ text: String) throws(LocalAPIClientError) -> GroupMessageView {
        try json("POST", "/v1/broadcasts", body: GroupSendRequest(text: text))
    }

    public func broadcasts(limit: Int) throws(LocalAPIClientError) -> [GroupMessageView] {
        try json("GET", "/v1/broadcasts?limit=\(limit)")
    }

    /// The name without its `#`, percent-encoded for one path segment.
    static func groupSegment(_ group: String) -> String {
        queryValue(group.hasPrefix("#") ? String(group.dropFirst()) : group)
    }
}
