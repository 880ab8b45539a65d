import Logging
import NatterAPI
import NatterCore
import NatterWire

/// Groups and broadcasts (Docs/protocol.md §5.9): the API's side (create,
/// change, send) and the wire's (receive, acknowledge, resend). The rules
/// are NatterCore's (`GroupRoster`, `GroupMembership`, `GroupBook`); this
/// file stores, sends and publishes what they decide.
extension NatterDaemon {
    var me: DeviceFingerprint { identity.fingerprint }

    // MARK: Membership

    func groupViews() -> [GroupView] {
        groups.book.memberships.values.sorted { ($0.roster.name.key, $0.id) < ($1.roster.name.key, $1.id) }.map(groupView)
    }

    func createGroup(name written: String, members queries: [String]) throws(APIFailure) -> GroupView {
        let name = try groupRule { () throws(GroupRuleError) in try GroupName(written) }
        try groupRule { () throws(GroupRuleError) in try groups.book.checkNewName(name) }
        let others = try resolveOnce(queries)
        var generator = SystemRandomNumberGenerator()
        let id = GroupID(using: &generator)
        let roster = try groupRule { [me] () throws(GroupRuleError) in try GroupRoster.create(id: id, name: name, creator: me, others: others) }
        try authorChange(.created(name: name, members: roster.members.sorted()), before: nil, after: roster)
        return groupView(try joinedGroup(name.text))
    }

    func addMembers(_ queries: [String], to written: String) throws(APIFailure) -> GroupView {
        let membership = try joinedGroup(written)
        return try changeGroup(membership, .added(try resolveOnce(queries)))
    }

    func removeMembers(_ queries: [String], from written: String) throws(APIFailure) -> GroupView {
        let membership = try joinedGroup(written)
        return try changeGroup(membership, .removed(try resolveOnce(queries)))
    }

    /// The colleagues `queries` name, each once however often it is named
    /// (`natter group add '#Lunch' Bob bob`), as creation treats them.
    private func resolveOnce(_ queries: [String]) throws(APIFailure) -> [DeviceFingerprint] {
        var colleagues: [DeviceFingerprint] = []
        for query in queries {
            let colleague = try resolve(query)
            if !colleagues.contains(colleague) { colleagues.append(colleague) }
        }
        return colleagues
    }

    func leaveGroup(_ written: String) throws(APIFailure) -> GroupView {
        try changeGroup(try joinedGroup(written), .left)
    }

    private func changeGroup(_ membership: GroupMembership, _ change: MembershipChange) throws(APIFailure) -> GroupView {
        let before = membership.roster
        let after = try groupRule { [me] () throws(GroupRuleError) in try before.applying(change, by: me) }
        // Whoever is removed gets nothing more from us: their pending entries
        // go before the change itself is queued (they do get that). When this
        // device leaves, what it sent stays queued: all of it orders before
        // the leave, so it belongs to the conversation the others agree on.
        do {
            if case .removed(let gone) = change {
                for member in gone { try store.dropGroupOutbox(before.id, member: member) }
            }
        } catch {
            throw APIFailure(error)
        }
        try authorChange(change, before: before, after: after)
        switch change {
        case .removed(let gone): for member in gone { publishGroupShown(groups.states.forget(member, in: before.id)) }
        case .left: publishGroupShown(groups.states.forget(in: before.id))
        default: break
        }
        return groupView(groups.book.membership(before.id) ?? membership)
    }

    /// Stores, records, publishes and sends a change this user makes.
    private func authorChange(_ change: MembershipChange, before: GroupRoster?, after: GroupRoster) throws(APIFailure) {
        let (header, sequence) = newHeader(group: after.id)
        let frame = Frame.group(sequence: sequence, .change(header, change: change, roster: after))
        let record = GroupRecord(
            id: header.id, group: after.id, author: me, direction: .outgoing, kind: .change,
            text: describe(change, by: me, in: after.name), timestamp: header.timestamp, sequence: sequence,
            sentAt: header.sentAt, receivedAt: nil, frame: FrameCodec.encode(frame))
        let recipients = before.map { GroupFanOut.recipients(before: $0, after: after, me: me) } ?? GroupFanOut.recipients(of: after, me: me)
        do {
            if before == nil { try store.saveGroup(base: after, baseKey: record.orderKey) }
            try store.insertOutgoingGroup(record, recipients: recipients)
        } catch {
            throw APIFailure(error)
        }
        if before == nil {
            groups.book.start(GroupMembership(base: after, baseKey: record.orderKey))
        } else {
            _ = groups.book.record(GroupMembership.Entry(key: record.orderKey, change: change), in: after.id)
        }
        publishGroupRecord(record, recipients: recipients.count)
        if let membership = groups.book.membership(after.id) { events.publish(.group(groupView(membership))) }
        sendGroupFrame(frame, to: recipients)
        applyPolicy()  // whether this group's windows detect depends on who is in it
    }

    // MARK: Messages

    func sendGroupMessage(to written: String, text: String) throws(APIFailure) -> GroupMessageView {
        if let problem = MessageText.validate(text) { throw .badRequest(problem.description) }
        let roster = try joinedGroup(written).roster
        let (header, sequence) = newHeader(group: roster.id)
        let record = GroupRecord(
            id: header.id, group: roster.id, author: me, direction: .outgoing, kind: .message, text: text,
            timestamp: header.timestamp, sequence: sequence, sentAt: header.sentAt, receivedAt: nil,
            frame: FrameCodec.encode(Frame.group(sequence: sequence, .message(header, text: text))))
        return try queueAndSend(record, to: GroupFanOut.recipients(of: roster, me: me))
    }

    /// `natter send --everyone`: one message to every colleague this device
    /// knows, online now or queued until they are.
    func sendBroadcast(text: String) throws(APIFailure) -> GroupMessageView {
        if let problem = MessageText.validate(text) { throw .badRequest(problem.description) }
        directory.refresh(pins: pins.table)
        let recipients = directory.candidates.map(\.fingerprint).filter { $0 != me }.sorted()
        guard !recipients.isEmpty else { throw .notFound("natter knows no colleague yet; see natter peers") }
        let sentAt = clock.unixMilliseconds
        var generator = SystemRandomNumberGenerator()
        let id = MessageID(unixMilliseconds: sentAt, using: &generator)
        let sequence = nextSequence()
        let record = GroupRecord(
            id: id, group: nil, author: me, direction: .outgoing, kind: .broadcast, text: text,
            timestamp: groups.clock.send(wallMilliseconds: sentAt), sequence: sequence, sentAt: sentAt, receivedAt: nil,
            frame: FrameCodec.encode(Frame.group(sequence: sequence, .broadcast(id: id, sentAt: sentAt, text: text))))
        return try queueAndSend(record, to: recipients)
    }

    /// Stores an outgoing message or broadcast with one outbox entry per
    /// recipient (durably, before the API answers), shows it, and sends it
    /// to the recipients reachable now.
    private func queueAndSend(_ record: GroupRecord, to recipients: [DeviceFingerprint]) throws(APIFailure) -> GroupMessageView {
        do {
            try store.insertOutgoingGroup(record, recipients: recipients)
        } catch {
            throw APIFailure(error)
        }
        let view = publishGroupRecord(record, recipients: recipients.count)
        if let frame = try? FrameCodec.decode(record.frame) { sendGroupFrame(frame, to: recipients) }
        return view
    }

    /// A group's conversation in the agreed order; `nil` name: the broadcasts.
    /// With `before`, the page older than that message (the web UI's paging).
    func groupHistory(_ written: String?, limit: Int, before: MessageID? = nil) throws(APIFailure) -> [GroupMessageView] {
        let group = try written.map { (name: String) throws(APIFailure) in try knownGroup(name).id }
        do {
            return try store.groupHistory(group, limit: limit, before: before).map { record throws(StoreError) in
                let count = record.direction == .outgoing ? try store.groupDeliveryCount(record.id) : nil
                return groupMessageView(record, type: .groupMessage, count: count)
            }
        } catch {
            throw APIFailure(error)
        }
    }

    // MARK: The wire

    /// A group frame from a linked colleague (the link authenticates the author).
    func receiveGroupFrame(_ frame: GroupFrame, sequence: UInt64, from peer: DeviceFingerprint) {
        switch frame {
        case .message(let header, let text):
            let place = GroupOrderKey(timestamp: header.timestamp, sender: peer, id: header.id)
            guard groups.book.accepts(peer, in: header.group, at: place) else { return refuseGroupFrame(header.group, header.id, from: peer) }
            groups.clock.receive(header.timestamp, wallMilliseconds: clock.unixMilliseconds)
            let record = GroupRecord(
                id: header.id, group: header.group, author: peer, direction: .incoming, kind: .message, text: text,
                timestamp: header.timestamp, sequence: sequence, sentAt: header.sentAt, receivedAt: clock.unixMilliseconds,
                frame: [])
            guard storeIncoming(record, from: peer) else { return }
            let now = clock.now
            if groups.book.accepts(peer, in: header.group) {  // a member now, not only at the message's place
                publishGroupShown(groups.states.remoteMessage(sequence: sequence, from: peer, in: header.group, at: now))
            }
            emit(sessionStates.messageReceived(from: GroupWindowAddress.address(of: header.group), at: now))
        case .change(let header, let change, let roster):
            receiveChange(header, change, roster, sequence: sequence, frame: frame, from: peer)
        case .state(let group, let state, let source):
            guard groups.book.accepts(peer, in: group) else { return refuseGroupFrame(group, nil, from: peer) }
            publishGroupShown(groups.states.remoteState(state, source: source, sequence: sequence, from: peer, in: group, at: clock.now))
        case .broadcast(let id, let sentAt, let text):
            let record = GroupRecord(
                id: id, group: nil, author: peer, direction: .incoming, kind: .broadcast, text: text,
                timestamp: HybridTimestamp(milliseconds: sentAt, counter: 0), sequence: sequence, sentAt: sentAt,
                receivedAt: clock.unixMilliseconds, frame: [])
            storeIncoming(record, from: peer)
        }
    }

    private func receiveChange(
        _ header: GroupMessageHeader, _ change: MembershipChange, _ roster: GroupRoster, sequence: UInt64, frame: GroupFrame,
        from peer: DeviceFingerprint
    ) {
        let key = GroupOrderKey(timestamp: header.timestamp, sender: peer, id: header.id)
        let joins = roster.id == header.group && groups.book.startsAgain(from: change, carried: roster, by: peer, at: key)
        // Judged at its place in the order, as every member judges it.
        let accepted = groups.book.accepts(peer, in: header.group, at: key)
        guard accepted || joins else { return refuseGroupFrame(header.group, header.id, from: peer) }
        groups.clock.receive(header.timestamp, wallMilliseconds: clock.unixMilliseconds)
        let record = GroupRecord(
            id: header.id, group: header.group, author: peer, direction: .incoming, kind: .change,
            text: describe(change, by: peer, in: roster.name), timestamp: header.timestamp, sequence: sequence, sentAt: header.sentAt,
            receivedAt: clock.unixMilliseconds, frame: FrameCodec.encode(Frame.group(sequence: sequence, frame)))
        if !accepted {
            do {
                try store.saveGroup(base: roster, baseKey: key)
            } catch {
                return logRepeating(.error, "could not store a group this device was added to; the sender will retry", error: error)
            }
            groups.book.start(GroupMembership(base: roster, baseKey: key))
        }
        guard storeIncoming(record, from: peer) else { return }
        if accepted, let (before, after) = groups.book.record(GroupMembership.Entry(key: key, change: change), in: header.group) {
            for gone in before.members.subtracting(after.members) { leftGroup(gone, header.group) }
        }
        if let membership = groups.book.membership(header.group) { events.publish(.group(groupView(membership))) }
        applyPolicy()
    }

    /// `member` is out of `group` (removed or left): nothing more goes to
    /// them, and what they showed there goes. When it is this device, the
    /// whole group goes quiet, but what it sent before it was removed still
    /// goes out: every member judges it at its place, where it counts.
    private func leftGroup(_ member: DeviceFingerprint, _ group: GroupID) {
        do {
            if member == me {
                try store.dropGroupOutbox(group, orderedAfter: groups.book.membership(group)?.departure(of: me))
            } else {
                try store.dropGroupOutbox(group, member: member)
            }
        } catch {
            logRepeating(.error, "could not drop a group's outbox", error: error)
        }
        publishGroupShown(groups.states.forget(member == me ? nil : member, in: group))
    }

    /// Stores an incoming group record once and acknowledges it after the
    /// commit (§5.5); a text that will not be shown is acknowledged only.
    /// - Returns: true when it was new and is shown.
    @discardableResult
    private func storeIncoming(_ record: GroupRecord, from peer: DeviceFingerprint) -> Bool {
        guard record.kind == .change || MessageText.validate(record.text) == nil else {
            logger.notice("dropped an empty or oversized group message (acknowledged)", metadata: ["peer": "\(peer.compact.prefix(8))"])
            send(.ack(sequence: 0, id: record.id), to: peer)
            return false
        }
        let isNew: Bool
        do {
            isNew = try store.insertIncomingGroup(record)
        } catch {
            logRepeating(.error, "could not store an incoming group message; the sender will retry", error: error)
            return false
        }
        send(.ack(sequence: 0, id: record.id), to: peer)
        if isNew { events.publish(.groupMessage(groupMessageView(record, type: .groupMessage, count: nil))) }
        return isNew
    }

    /// A frame `peer` may not send in `group`. In a group this device has
    /// left or was removed from, nothing counts any more, but a message or
    /// change is acknowledged so its author's resends stop (they learn of
    /// the leave or removal from its own change). Otherwise it is dropped
    /// with one (throttled) line and not acknowledged: if this device is
    /// only behind (the change adding the author has not arrived), the
    /// author's resend brings it later.
    private func refuseGroupFrame(_ group: GroupID, _ id: MessageID?, from peer: DeviceFingerprint) {
        if let roster = groups.book.membership(group)?.roster, !roster.isMember(me) {
            if let id { send(.ack(sequence: 0, id: id), to: peer) }
            return
        }
        logRepeating(.notice, "dropped a group frame from a non-member of group \(group.hex.prefix(8))", error: GroupRuleError.notMember(peer))
    }

    /// A link announced what its peer speaks; group frames wait for it.
    func peerAnnounced(_ features: PeerFeatures, by peer: DeviceFingerprint) {
        guard features.contains(.groups), directory.isLinked(peer) else { return }
        groups.announced.insert(peer)
        flushGroupOutbox(to: peer)
        sendGroupWindowStates(to: peer)
    }

    func groupLinkDown(_ peer: DeviceFingerprint) {
        groups.announced.remove(peer)
        groups.audience.forget(peer)
        publishGroupShown(groups.states.peerWentOffline(peer))
    }

    /// Resends what `peer` has not acknowledged, oldest sequence first: at
    /// once (age zero: the link just came up), or from the maintenance round
    /// what is older than `age`, at most once per `age`, as the chat outbox.
    func flushGroupOutbox(to peer: DeviceFingerprint, olderThan age: Duration = .zero) {
        guard directory.isLinked(peer), groups.announced.contains(peer) else { return }
        let now = clock.now
        if age > .zero, let sent = groups.outboxSentAt[peer], now - sent < age { return }
        let cutoff = age == .zero ? UInt64.max : clock.unixMilliseconds &- UInt64(age.wholeMilliseconds)
        do {
            let due = try store.groupOutbox(for: peer, sentBefore: cutoff)
            guard !due.isEmpty else { return }
            groups.outboxSentAt[peer] = now
            for bytes in due {
                guard let frame = try? FrameCodec.decode(bytes) else { continue }
                send(frame, to: peer)
            }
        } catch {
            logRepeating(.error, "could not read the group outbox", error: error)
        }
    }

    // MARK: Plumbing

    /// The joined group `written` names (`#Lunch`, any case).
    func joinedGroup(_ written: String) throws(APIFailure) -> GroupMembership {
        try groupRule { () throws(GroupRuleError) in try groups.book.group(named: written) }
    }

    /// A group by name or id, joined or not (history stays readable after leaving).
    private func knownGroup(_ written: String) throws(APIFailure) -> GroupMembership {
        try groupRule { () throws(GroupRuleError) in try groups.book.anyGroup(named: written) }
    }

    private func newHeader(group: GroupID) -> (GroupMessageHeader, UInt64) {
        let sentAt = clock.unixMilliseconds
        var generator = SystemRandomNumberGenerator()
        let header = GroupMessageHeader(
            group: group, id: MessageID(unixMilliseconds: sentAt, using: &generator), sentAt: sentAt,
            timestamp: groups.clock.send(wallMilliseconds: sentAt))
        return (header, nextSequence())
    }

    /// Sends now to the recipients that are linked and announced groups; the
    /// others get it from the outbox when they are.
    private func sendGroupFrame(_ frame: Frame, to recipients: [DeviceFingerprint]) {
        for peer in recipients where directory.isLinked(peer) && groups.announced.contains(peer) {
            send(frame, to: peer)
        }
    }

    @discardableResult
    private func publishGroupRecord(_ record: GroupRecord, recipients: Int) -> GroupMessageView {
        let view = groupMessageView(record, type: .groupMessage, count: GroupDeliveryCount(delivered: 0, recipients: recipients))
        events.publish(.groupMessage(view))
        return view
    }

    func publishGroupShown(_ changes: [GroupSessionStates.ShownChange]) {
        for change in changes {
            let memberName = name(of: change.member)
            let groupName = groups.book.membership(change.group)?.roster.name.text ?? ""
            events.publish(
                .groupState(
                    GroupStateView(
                        group: change.group.hex, groupName: groupName, member: change.member.compact, memberName: memberName,
                        state: change.state, text: displayText(for: change.state, name: memberName, language: config.language))))
        }
        rescheduleTimer()
    }

    /// "Alice created #Lunch with Bob, Carol", "Alice added Dave", "Carol left".
    /// The change's line as stored (English); what the API shows is made
    /// again from the stored frame in the user's language (``groupMessageView``).
    private func describe(_ change: MembershipChange, by author: DeviceFingerprint, in name: GroupName) -> String {
        displayText(for: change, by: author, in: name, language: .english, name: displayName)
    }

    /// A stored change's line in the user's language, with colleagues' names
    /// as they are now; nil when its stored frame does not decode.
    private func changeLine(_ record: GroupRecord) -> String? {
        guard case .group(_, .change(_, let change, let roster))? = try? FrameCodec.decode(record.frame) else { return nil }
        return displayText(for: change, by: record.author, in: roster.name, language: config.language, name: displayName)
    }

    func groupView(_ membership: GroupMembership) -> GroupView {
        let roster = membership.roster
        let shown = groups.states.shown(in: roster.id)
        return GroupView(
            id: roster.id.hex, name: roster.name.text, creator: roster.creator.compact, creatorName: displayName(roster.creator),
            members: roster.members.sorted().map { member in
                let (name, state) = (displayName(member), shown[member])
                return GroupMemberView(
                    fingerprint: member.compact, name: name, online: member == me || directory.isLinked(member), state: state,
                    text: state.flatMap { displayText(for: $0, name: name, language: config.language) })
            },
            joined: roster.isMember(me), shareState: groups.overrides[roster.id])
    }

    func groupMessageView(_ record: GroupRecord, type: APIEvent.Kind, count: GroupDeliveryCount?) -> GroupMessageView {
        let membership = record.group.flatMap { groups.book.membership($0) }
        return GroupMessageView(
            type: type, id: record.id.hex, group: record.group?.hex, groupName: membership?.roster.name.text, author: record.author.compact,
            authorName: displayName(record.author), direction: record.direction, kind: GroupMessageView.Kind(rawValue: record.kind.rawValue) ?? .message,
            text: record.kind == .change ? changeLine(record) ?? record.text : record.text, sequence: record.sequence,
            sentAt: record.sentAt, timestamp: record.timestamp.rawValue, receivedAt: record.receivedAt,
            delivered: count?.delivered, recipients: count?.recipients,
            refused: record.kind == .change && membership?.refused(record.orderKey) == true ? true : nil)
    }

    private func displayName(_ peer: DeviceFingerprint) -> String { peer == me ? config.displayName : name(of: peer) }
}
