import Logging
import NatterAPI
import NatterCore
import NatterWire

/// Session states in groups: a group window is a window of the one
/// `SessionStateHub` (at ``GroupWindowAddress``), so it runs on the
/// one-to-one engine; its events fan out to the members the sharing
/// switches allow (``GroupSharingPolicy``: the strictest of the group's and
/// the colleague's switch, each defaulting to the global one).
extension NatterDaemon {
    func openGroupWindow(_ written: String) throws(APIFailure) -> WindowView {
        let roster = try joinedGroup(written).roster
        let unread = (try? store.groupHistory(roster.id, limit: 1).last?.direction == .incoming) ?? false
        let (window, outputs) = sessionStates.openWindow(
            peer: GroupWindowAddress.address(of: roster.id), hasUnreadMessage: unread, at: clock.now)
        emit(outputs)
        return WindowView(window: window, peer: roster.id.hex, peerName: roster.name.description)
    }

    /// Sends the group windows' events among `outputs` to their members (the
    /// one-to-one ones go on as before: a group address is never linked).
    func emitGroupStates(_ outputs: [SessionStateHub.Outgoing]) {
        let policy = groups.sharing(colleaguePolicy)
        for output in outputs {
            guard let group = GroupWindowAddress.group(of: output.peer), let roster = groups.book.membership(group)?.roster,
                roster.isMember(me)
            else { continue }
            // `active` reveals nothing and clears what was shown, so it goes to
            // every member: the last word after sharing was switched off.
            let allowed = output.state == .active ? GroupFanOut.recipients(of: roster, me: me) : policy.stateRecipients(in: roster, me: me)
            let recipients = allowed.filter { directory.isLinked($0) && groups.announced.contains($0) }
            guard !recipients.isEmpty else { continue }
            logger.debug("group state event out", metadata: ["group": "\(group.hex.prefix(8))", "state": "\(output.state)", "window": "\(output.source)"])
            let frame = Frame.group(sequence: nextSequence(), .state(group: group, state: output.state, source: output.source))
            for peer in recipients { send(frame, to: peer, preferDatagram: true) }
        }
    }

    /// A member's link announced groups: what this user's windows on their
    /// groups show now, as for a colleague coming online.
    func sendGroupWindowStates(to peer: DeviceFingerprint) {
        let policy = groups.sharing(colleaguePolicy)
        for membership in groups.book.joined where membership.roster.isMember(peer) && policy.allows(peer, in: membership.id) {
            for output in sessionStates.peerCameOnline(GroupWindowAddress.address(of: membership.id)) {
                send(.group(sequence: nextSequence(), .state(group: membership.id, state: output.state, source: output.source)), to: peer, preferDatagram: true)
            }
        }
    }

    /// The global and per-colleague switches.
    var colleaguePolicy: SharingPolicy { SharingPolicy(sharesByDefault: shareState, overrides: directory.overrides) }

    /// The hub's policy: the colleagues' switches, and for each group window
    /// whether anyone in the group would be told (else it detects nothing).
    func policyWithGroupWindows() -> SharingPolicy {
        var policy = colleaguePolicy
        let groupPolicy = groups.sharing(policy)
        for membership in groups.book.joined {
            policy.overrides[GroupWindowAddress.address(of: membership.id)] = groupPolicy.sharesAnything(in: membership.roster, me: me)
        }
        return policy
    }

    /// `natter privacy share-state --peer '#Lunch' on|off|default`.
    func setGroupShareState(_ share: Bool?, for written: String) throws(APIFailure) {
        let group = try joinedGroup(written).id
        do {
            try store.setGroupShareState(share, for: group)
        } catch {
            throw APIFailure(error)
        }
        groups.overrides[group] = share
    }
}
