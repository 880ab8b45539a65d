import NatterCore
import Testing

@Suite("Who shows this user's group states")
struct GroupStateAudienceTests {
    let window = GroupStateAudience.Window(group: groupID(7), source: 1)

    @Test func aStateGoesToTheAllowedAndItsClearingOnlyToThoseWhoShowIt() {
        var audience = GroupStateAudience()
        #expect(audience.recipients(of: .typing, in: window, allowed: [bob]) == [bob])
        // Carol is allowed only now: she never saw the typing, so the active is not hers.
        #expect(audience.recipients(of: .active, in: window, allowed: [bob, carol]) == [bob])
        #expect(audience.recipients(of: .active, in: window, allowed: [bob, carol]).isEmpty, "nothing shown, nothing to clear")
    }

    @Test func aClearingReachesWhoeverWasToldEvenIfSwitchedOffSince() {
        var audience = GroupStateAudience()
        _ = audience.recipients(of: .typing, in: window, allowed: [bob, carol])
        _ = audience.recipients(of: .pausedTyping, in: window, allowed: [bob])
        #expect(audience.recipients(of: .active, in: window, allowed: [bob]) == [bob, carol])
    }

    @Test func switchingAMemberOffWithdrawsWhatTheyShowAndNothingElse() {
        var audience = GroupStateAudience()
        let other = GroupStateAudience.Window(group: groupID(7), source: 2)
        _ = audience.recipients(of: .reading, in: window, allowed: [bob, carol])
        _ = audience.recipients(of: .typing, in: other, allowed: [carol])
        let withdrawn = audience.withdraw(isMember: { _, _ in true }, allows: { member, _ in member != carol })
        #expect(withdrawn.map(\.window) == [window, other])
        #expect(withdrawn.map(\.members) == [[carol], [carol]])
        #expect(audience.members(showing: window) == [bob])
        #expect(audience.members(showing: other).isEmpty)
        #expect(audience.withdraw(isMember: { _, _ in true }, allows: { member, _ in member != carol }).isEmpty, "once")
    }

    @Test func aMemberWhoLeftIsForgottenWithoutAClearing() {
        var audience = GroupStateAudience()
        _ = audience.recipients(of: .typing, in: window, allowed: [bob, carol])
        let withdrawn = audience.withdraw(isMember: { member, _ in member != carol }, allows: { _, _ in false })
        #expect(withdrawn.map(\.members) == [[bob]], "Bob is still a member but switched off; Carol is gone")
        #expect(audience.members(showing: window).isEmpty)
    }

    @Test func aLongRunningDaemonKeepsTheAudienceOfTheLastClosedWindowsOnly() {
        var audience = GroupStateAudience()
        let kept = GroupStateAudience.closedWindowsKept
        for source in 0...UInt32(kept) {
            let closed = GroupStateAudience.Window(group: groupID(7), source: source)
            _ = audience.recipients(of: .closedWindow, in: closed, allowed: [bob])
        }
        #expect(audience.members(showing: GroupStateAudience.Window(group: groupID(7), source: 0)).isEmpty, "the oldest is forgotten")
        #expect(audience.members(showing: GroupStateAudience.Window(group: groupID(7), source: 1)) == [bob])
        #expect(audience.members(showing: GroupStateAudience.Window(group: groupID(7), source: UInt32(kept))) == [bob])
        #expect(audience.withdraw(isMember: { _, _ in true }, allows: { _, _ in false }).count == kept)
    }

    @Test func aLinkThatWentDownShowsNothingAnyMore() {
        var audience = GroupStateAudience()
        _ = audience.recipients(of: .typing, in: window, allowed: [bob, carol])
        audience.forget(bob)
        #expect(audience.recipients(of: .active, in: window, allowed: []) == [carol])
    }
}
