import NatterCore
import Testing

@Suite("Session states in groups")
struct GroupSessionStatesTests {
    let lunchID = groupID(7), teamID = groupID(8)

    @Test func statesAreKeptPerGroupAndMember() {
        var states = GroupSessionStates()
        let typing = states.remoteState(.typing, source: 1, sequence: 10, from: alice, in: lunchID, at: at(0))
        #expect(typing == [GroupSessionStates.ShownChange(group: lunchID, member: alice, state: .typing)])
        _ = states.remoteState(.reading, source: 2, sequence: 11, from: bob, in: lunchID, at: at(0))
        #expect(states.shown(in: lunchID) == [alice: .typing, bob: .reading])
        #expect(states.shown(in: teamID).isEmpty)
    }

    @Test func aGroupMessageClearsTypingOnlyInItsGroup() {
        var states = GroupSessionStates()
        _ = states.remoteState(.typing, source: 1, sequence: 10, from: alice, in: lunchID, at: at(0))
        _ = states.remoteState(.typing, source: 2, sequence: 11, from: alice, in: teamID, at: at(0))
        let cleared = states.remoteMessage(sequence: 12, from: alice, in: lunchID, at: at(1))
        #expect(cleared == [GroupSessionStates.ShownChange(group: lunchID, member: alice, state: .active)])
        #expect(states.shown(in: teamID) == [alice: .typing])
        // A late typing from before the message never reappears.
        _ = states.remoteState(.typing, source: 1, sequence: 9, from: alice, in: lunchID, at: at(1.1))
        #expect(states.shown(in: lunchID).isEmpty)
    }

    @Test func theOneToOneTimersApply() {
        var states = GroupSessionStates()
        _ = states.remoteState(.typing, source: 1, sequence: 1, from: alice, in: lunchID, at: at(0))
        _ = states.remoteState(.closedWindow, source: 2, sequence: 2, from: bob, in: lunchID, at: at(0))
        #expect(states.nextDeadline == at(8))
        #expect(states.tick(at: at(7.9)).isEmpty)
        #expect(states.tick(at: at(8)) == [GroupSessionStates.ShownChange(group: lunchID, member: alice, state: .active)])
        #expect(states.tick(at: at(60)) == [GroupSessionStates.ShownChange(group: lunchID, member: bob, state: .active)])
        #expect(states.nextDeadline == nil)
    }

    @Test func offlineClearsEveryGroupButKeepsTheSequenceMarks() {
        var states = GroupSessionStates()
        _ = states.remoteState(.reading, source: 1, sequence: 5, from: alice, in: lunchID, at: at(0))
        _ = states.remoteState(.typing, source: 2, sequence: 6, from: alice, in: teamID, at: at(0))
        #expect(states.peerWentOffline(alice).count == 2)
        #expect(states.shown(in: lunchID).isEmpty && states.shown(in: teamID).isEmpty)
        _ = states.remoteState(.reading, source: 1, sequence: 5, from: alice, in: lunchID, at: at(1))
        #expect(states.shown(in: lunchID).isEmpty, "a replayed old event stays dropped")
    }

    @Test func aRemovedMembersStatesGo() {
        var states = GroupSessionStates()
        _ = states.remoteState(.reading, source: 1, sequence: 5, from: carol, in: lunchID, at: at(0))
        _ = states.remoteState(.reading, source: 1, sequence: 6, from: carol, in: teamID, at: at(0))
        #expect(states.forget(carol, in: lunchID) == [GroupSessionStates.ShownChange(group: lunchID, member: carol, state: .active)])
        #expect(states.shown(in: teamID) == [carol: .reading])
    }
}

@Suite("Sharing in groups")
struct GroupSharingPolicyTests {
    @Test func theStrictestOfGroupAndColleagueWinsEachDefaultingToGlobal() throws {
        let roster = try lunch()
        var policy = GroupSharingPolicy()
        #expect(policy.stateRecipients(in: roster, me: alice) == [bob, carol])
        policy.colleagues.overrides[carol] = false
        #expect(policy.stateRecipients(in: roster, me: alice) == [bob])
        policy.groupOverrides[roster.id] = false
        #expect(policy.stateRecipients(in: roster, me: alice).isEmpty)
        #expect(!policy.sharesAnything(in: roster, me: alice))
        // Global off: a group shares only when switched on, only with colleagues switched on.
        policy = GroupSharingPolicy(colleagues: SharingPolicy(sharesByDefault: false, overrides: [bob: true]))
        #expect(policy.stateRecipients(in: roster, me: alice).isEmpty)
        policy.groupOverrides[roster.id] = true
        #expect(policy.stateRecipients(in: roster, me: alice) == [bob])
        #expect(policy.sharesAnything(in: roster, me: alice))
    }
}
