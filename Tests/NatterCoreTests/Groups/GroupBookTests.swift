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
        #expect(throws: GroupRuleError.nameClash("#Lunch")) { try book.group(named: "#Lunch") }
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
