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
            // A state goes to the members the switches allow; the `active` that
            // clears it to those who show one (`GroupStateAudience`).
            let reachable = policy.stateRecipients(in: roster, me: me).filter(canReceiveGroupStates)
            let window = GroupStateAudience.Window(group: group, source: output.source)
            let recipients = groups.audience.recipients(of: output.state, in: window, allowed: reachable).filter(canReceiveGroupStates)
            sendGroupState(output.state, in: window, to: recipients)
        }
    }

    /// After a change of switches or rosters: a member who shows a state of
    /// this user's but may no longer see it gets one `active` at once, not
    /// the rest of its lifetime (up to a minute) of a state they were
    /// switched off from.
    func withdrawGroupStates() {
        let policy = groups.sharing(colleaguePolicy)
        let joined = Dictionary(uniqueKeysWithValues: groups.book.joined.map { ($0.id, $0.roster) })
        let withdrawn = groups.audience.withdraw(
            isMember: { member, group in joined[group]?.isMember(member) == true },
            allows: { member, group in policy.allows(member, in: group) })
        for (window, members) in withdrawn {
            sendGroupState(.active, in: window, to: members.filter(canReceiveGroupStates))
        }
    }

    private func canReceiveGroupStates(_ peer: DeviceFingerprint) -> Bool {
        directory.isLinked(peer) && groups.announced.contains(peer)
    }

    private func sendGroupState(_ state: SessionState, in window: GroupStateAudience.Window, to recipients: [DeviceFingerprint]) {
        guard !recipients.isEmpty else { return }
        logger.debug("group state event out", metadata: ["group": "\(window.group.hex.prefix(8))", "state": "\(state)", "window": "\(window.source)"])
        let frame = Frame.group(sequence: nextSequence(), .state(group: window.group, state: state, source: window.source))
        for peer in recipients { send(frame, to: peer, preferDatagram: true) }
    }

    /// A member's link announced groups: what this user's windows on their
    /// groups show now, as for a colleague coming online.
    func sendGroupWindowStates(to peer: DeviceFingerprint) {
        let policy = groups.sharing(colleaguePolicy)
        for membership in groups.book.joined where membership.roster.isMember(peer) && policy.allows(peer, in: membership.id) {
            // A new link shows nothing yet, so there is no `active` to send.
            for output in sessionStates.peerCameOnline(GroupWindowAddress.address(of: membership.id)) where output.state != .active {
                let window = GroupStateAudience.Window(group: membership.id, source: output.source)
                sendGroupState(output.state, in: window, to: groups.audience.recipients(of: output.state, in: window, allowed: [peer]))
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
        // A window left open on a group this user left or was removed from
        // tells no one, so it detects nothing either.
        for address in sessionStates.windowIDs.compactMap(sessionStates.peer(ofWindow:)) where GroupWindowAddress.group(of: address) != nil {
            policy.overrides[address] = false
        }
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
