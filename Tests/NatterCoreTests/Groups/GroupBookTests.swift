import NatterCore
import Testing

@Suite("Group book: what #Name means, who may speak")
struct GroupBookTests {
    func membership(_ id: UInt8, _ name: String, members: Set<DeviceFingerprint>) throws -> GroupMembership {
        GroupMembership(
            base: GroupRoster(id: groupID(id), name: try GroupName(name), creator: alice, members: members), baseKey: key(1, alice, id: id))
    }

    @Test func namesResolveWithoutCaseAmongJoinedGroupsOnly() throws {
        var book = GroupBook(me: bob)
        book.start(try membership(1, "Lunch", members: [alice, bob]))
        book.start(try membership(2, "Team", members: [alice, carol]))
        #expect(try book.group(named: "#lunch").id == groupID(1))
        #expect(throws: GroupRuleError.unknownGroup("#Team")) { try book.group(named: "#Team") }
        #expect(throws: GroupRuleError.nameClash("#LUNCH")) { try book.checkNewName(GroupName("#LUNCH")) }
        #expect(throws: Never.self) { try book.checkNewName(GroupName("#Team")) }
        book.start(try membership(3, "LUNCH", members: [bob, carol]))
        #expect(throws: GroupRuleError.ambiguousName("#Lunch", [groupID(1), groupID(3)])) { try book.group(named: "#Lunch") }
    }

    @Test func twoGroupsOfOneNameAreToldApartByTheirIds() throws {
        var book = GroupBook(me: bob)
        book.start(try membership(0x1b, "Lunch", members: [alice, bob]))
        book.start(try membership(0x77, "lunch", members: [bob, carol]))
        let error = #expect(throws: GroupRuleError.self) { try book.group(named: "#Lunch") }
        #expect(error?.description == "2 of your groups are called #Lunch; write the one you mean by its id: #1b1b1b1b or #77777777 (natter group list shows each group's id)")
        #expect(try book.group(named: "#1b1b1b1b").id == groupID(0x1b), "a prefix of 8 digits")
        #expect(try book.group(named: "#" + groupID(0x77).hex.uppercased()).id == groupID(0x77), "the whole id, any case")
        #expect(throws: GroupRuleError.unknownGroup("#1b1b1b1")) { try book.group(named: "#1b1b1b1") }
    }

    @Test func aWholeIdMeansItsGroupEvenIfAnotherIsNamedSo() throws {
        var book = GroupBook(me: bob)
        book.start(try membership(0x1b, "Lunch", members: [alice, bob]))
        book.start(try membership(2, groupID(0x1b).hex, members: [bob, carol]))
        #expect(try book.group(named: "#" + groupID(0x1b).hex).id == groupID(0x1b))
        // A shorter prefix is a name first: a group may be called #cafebabe.
        book.start(try membership(3, "1b1b1b1b", members: [bob, carol]))
        #expect(try book.group(named: "#1b1b1b1b").id == groupID(3))
    }

    @Test func historyFindsALeftGroupAfterTheJoinedOnes() throws {
        var book = GroupBook(me: bob)
        book.start(try membership(1, "Lunch", members: [alice, carol]))
        #expect(throws: GroupRuleError.unknownGroup("#Lunch")) { try book.group(named: "#Lunch") }
        #expect(try book.anyGroup(named: "#Lunch").id == groupID(1), "left (not a member), still readable")
        book.start(try membership(2, "Lunch", members: [alice, bob]))
        #expect(try book.anyGroup(named: "#Lunch").id == groupID(2), "the joined one first")
        book.start(try membership(3, "Team", members: [carol, dave]))
        book.start(try membership(4, "Team", members: [alice, dave]))
        #expect(throws: GroupRuleError.ambiguousName("#Team", [groupID(3), groupID(4)]), "two left ones") { try book.anyGroup(named: "#Team") }
    }

    @Test func aDeviceStartsAGroupOnlyFromAChangeThatNamesItAndCarriesATrueRoster() throws {
        let book = GroupBook(me: bob)
        let roster = GroupRoster(id: groupID(1), name: try GroupName("Lunch"), creator: alice, members: [alice, bob, carol])
        let name = try GroupName("Lunch")
        #expect(book.startsAgain(from: .created(name: name, members: [alice, bob, carol]), carried: roster, by: alice, at: key(5, alice, id: 1)))
        #expect(book.startsAgain(from: .added([bob]), carried: roster, by: carol, at: key(5, carol, id: 1)), "any member adds")
        #expect(!book.startsAgain(from: .added([dave]), carried: roster, by: carol, at: key(5, carol, id: 1)), "a change that does not add this device")
        #expect(!book.startsAgain(from: .created(name: name, members: [alice, bob, carol]), carried: roster, by: carol, at: key(5, carol, id: 1)), "Carol is not its creator")
        #expect(!book.startsAgain(from: .created(name: name, members: [alice, bob]), carried: roster, by: alice, at: key(5, alice, id: 1)), "names other members than it carries")
        #expect(!book.startsAgain(from: .created(name: try GroupName("Team"), members: [alice, bob, carol]), carried: roster, by: alice, at: key(5, alice, id: 1)), "another name")
        #expect(!book.startsAgain(from: .added([bob]), carried: roster, by: dave, at: key(5, dave, id: 1)), "an author outside the roster")
        #expect(!book.startsAgain(from: .removed([carol]), carried: roster, by: alice, at: key(5, alice, id: 1)))
        #expect(!book.startsAgain(from: .left, carried: roster, by: alice, at: key(5, alice, id: 1)))
    }

    @Test func aGroupHeldAlreadyStartsAgainOnlyForANonMemberAndANewerChange() throws {
        var book = GroupBook(me: bob)
        let roster = GroupRoster(id: groupID(1), name: try GroupName("Lunch"), creator: alice, members: [alice, bob, carol])
        book.start(try membership(1, "Lunch", members: [alice, bob, carol]))
        #expect(!book.startsAgain(from: .added([bob]), carried: roster, by: carol, at: key(9, carol, id: 9)), "a member folds it instead")
        _ = book.record(GroupMembership.Entry(key: key(5, alice, id: 5), change: .removed([bob])), in: groupID(1))
        #expect(!book.startsAgain(from: .added([bob]), carried: roster, by: carol, at: key(4, carol, id: 4)), "a late copy of an older addition")
        #expect(book.startsAgain(from: .added([bob]), carried: roster, by: carol, at: key(6, carol, id: 6)), "added again after the removal")
    }

    @Test func onlyMembersSpeakAndOnlyWhileIAmOne() throws {
        var book = GroupBook(me: bob)
        book.start(try membership(1, "Lunch", members: [alice, bob, carol]))
        #expect(book.accepts(alice, in: groupID(1)))
        #expect(!book.accepts(dave, in: groupID(1)))
        #expect(!book.accepts(alice, in: groupID(9)), "an unknown group")
        let removal = GroupMembership.Entry(key: key(2, alice, id: 2), change: .removed([bob]))
        let change = book.record(removal, in: groupID(1))
        #expect(change?.before.isMember(bob) == true && change?.after.isMember(bob) == false)
        #expect(!book.accepts(alice, in: groupID(1)), "removed: nobody speaks to me there")
        #expect(book.joined.isEmpty)
        #expect(book.record(removal, in: groupID(1)) == nil, "a copy changes nothing")
    }

    /// Alice removes Bob at 5 and adds Dave at 6: what Bob sent before his
    /// removal counts wherever it arrives late, what he sent after it does
    /// not, and Dave speaks from his addition on.
    @Test func aMessageOrChangeIsJudgedAtItsPlaceInTheOrderAStateNow() throws {
        var book = GroupBook(me: carol)
        book.start(try membership(1, "Lunch", members: [alice, bob, carol]))
        _ = book.record(GroupMembership.Entry(key: key(5, alice, id: 5), change: .removed([bob])), in: groupID(1))
        _ = book.record(GroupMembership.Entry(key: key(6, alice, id: 6), change: .added([dave])), in: groupID(1))
        #expect(book.accepts(bob, in: groupID(1), at: key(3, bob, id: 3)), "sent while a member")
        #expect(!book.accepts(bob, in: groupID(1), at: key(7, bob, id: 7)), "sent after his removal")
        #expect(!book.accepts(bob, in: groupID(1)), "a state: judged now")
        #expect(!book.accepts(dave, in: groupID(1), at: key(4, dave, id: 4)), "before his addition")
        #expect(book.accepts(dave, in: groupID(1), at: key(8, dave, id: 8)))
        #expect(book.accepts(dave, in: groupID(1)))
        // The same place, as ordered by sender then id: Bob's message at 5
        // sorts after Alice's removal at 5 (alice < bob), so it does not count.
        #expect(!book.accepts(bob, in: groupID(1), at: key(5, bob, id: 1)))
    }
}
