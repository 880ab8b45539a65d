import NatterCore
import Testing

@Suite("Group membership rules")
struct GroupRosterTests {
    @Test func creationNeedsAnotherMemberAndRespectsTheLimit() throws {
        let roster = try lunch()
        #expect(roster.members == [alice, bob, carol])
        #expect(roster.creator == alice)
        #expect(throws: GroupRuleError.noOtherMember) { try lunch(others: []) }
        #expect(throws: GroupRuleError.noOtherMember) { try lunch(others: [alice]) }
        let many = (10..<(10 + UInt8(GroupLimits.maximumMembers))).map(member)
        #expect(throws: GroupRuleError.tooLarge(GroupLimits.maximumMembers + 1)) { try lunch(others: many) }
        #expect(throws: Never.self) { try lunch(others: Array(many.dropLast())) }
        #expect(GroupLimits.maximumMembers >= 64)
    }

    @Test func anyMemberAddsButNotANonMember() throws {
        let roster = try lunch()
        #expect(try roster.applying(.added([dave]), by: bob).members == [alice, bob, carol, dave])
        #expect(throws: GroupRuleError.authorNotMember) { try roster.applying(.added([eve]), by: dave) }
        #expect(throws: GroupRuleError.alreadyMember(carol)) { try roster.applying(.added([carol]), by: bob) }
    }

    @Test func anAdditionOrRemovalNamesSomeoneAndEachOnce() throws {
        let roster = try lunch()
        #expect(throws: GroupRuleError.nobodyNamed) { try roster.applying(.added([]), by: bob) }
        #expect(throws: GroupRuleError.nobodyNamed) { try roster.applying(.removed([]), by: alice) }
        #expect(throws: GroupRuleError.namedTwice(dave)) { try roster.applying(.added([dave, eve, dave]), by: bob) }
        #expect(throws: GroupRuleError.namedTwice(carol)) { try roster.applying(.removed([carol, carol]), by: alice) }
    }

    @Test func aChangeIsRefusedWholeWhenAnyoneInItIsRefused() throws {
        let roster = try lunch()
        #expect(throws: GroupRuleError.alreadyMember(carol)) { try roster.applying(.added([dave, carol]), by: bob) }
        #expect(throws: GroupRuleError.notMember(dave)) { try roster.applying(.removed([carol, dave]), by: alice) }
    }

    @Test func addingPastTheLimitIsRefused() throws {
        let roster = try lunch(others: (10..<(10 + UInt8(GroupLimits.maximumMembers) - 2)).map(member))
        #expect(roster.members.count == GroupLimits.maximumMembers - 1)
        #expect(try roster.applying(.added([dave]), by: alice).members.count == GroupLimits.maximumMembers)
        #expect(throws: GroupRuleError.tooLarge(GroupLimits.maximumMembers + 1)) { try roster.applying(.added([dave, eve]), by: alice) }
    }

    @Test func onlyTheCreatorRemovesOthers() throws {
        let roster = try lunch()
        #expect(try roster.applying(.removed([carol]), by: alice).members == [alice, bob])
        #expect(throws: GroupRuleError.onlyCreatorRemoves) { try roster.applying(.removed([carol]), by: bob) }
        #expect(throws: GroupRuleError.creatorMustLeave) { try roster.applying(.removed([alice]), by: alice) }
        #expect(throws: GroupRuleError.notMember(dave)) { try roster.applying(.removed([dave]), by: alice) }
    }

    @Test func anyoneLeavesAndAfterTheCreatorLeftNobodyRemoves() throws {
        let roster = try lunch()
        #expect(try roster.applying(.left, by: carol).members == [alice, bob])
        let withoutCreator = try roster.applying(.left, by: alice)
        #expect(withoutCreator.members == [bob, carol])
        #expect(throws: GroupRuleError.onlyCreatorRemoves) { try withoutCreator.applying(.removed([carol]), by: bob) }
        #expect(try withoutCreator.applying(.added([dave]), by: carol).members == [bob, carol, dave])
        #expect(throws: GroupRuleError.authorNotMember) { try withoutCreator.applying(.left, by: alice) }
    }

    @Test func fanOutSkipsMeAndTellsTheRemovedMember() throws {
        let before = try lunch()
        let after = try before.applying(.removed([carol]), by: alice)
        #expect(GroupFanOut.recipients(of: before, me: alice) == [bob, carol])
        #expect(GroupFanOut.recipients(of: after, me: alice) == [bob])
        #expect(GroupFanOut.recipients(before: before, after: after, me: alice) == [bob, carol])
        let added = try before.applying(.added([dave]), by: bob)
        #expect(GroupFanOut.recipients(before: before, after: added, me: bob) == [alice, carol, dave])
    }
}
