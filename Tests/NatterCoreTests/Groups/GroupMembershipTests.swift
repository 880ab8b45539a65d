import NatterCore
import Testing

@Suite("Group membership log")
struct GroupMembershipTests {
    typealias Entry = GroupMembership.Entry

    @Test func membersHoldingTheSameChangesAgreeWhateverTheArrivalOrder() throws {
        let created = key(1000, alice, id: 1)
        // Concurrent: Alice removes Carol while Bob adds Dave, then Carol (no longer
        // a member at her place in the order) tries to add Eve.
        let changes = [
            Entry(key: key(2000, alice, id: 2), change: .removed([carol])),
            Entry(key: key(2000, bob, id: 3), change: .added([dave])),
            Entry(key: key(2500, carol, id: 4), change: .added([eve])),
        ]
        var rosters: [GroupRoster] = []
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            var log = GroupMembership(base: try lunch(), baseKey: created)
            for index in order { log.record(changes[index]) }
            rosters.append(log.roster)
        }
        #expect(Set(rosters).count == 1)
        #expect(rosters[0].members == [alice, bob, dave])
    }

    /// Bob is removed at 2000, added again at 3000, removed again at 4000:
    /// he left at 4000, where his outbox is cut (what he sent before still
    /// counts). A refused removal is no departure.
    @Test func aDepartureIsTheLastChangeThatTookTheMemberOut() throws {
        var log = GroupMembership(base: try lunch(), baseKey: key(1000, alice, id: 1))
        log.record(Entry(key: key(2000, alice, id: 2), change: .removed([bob])))
        #expect(log.departure(of: bob) == key(2000, alice, id: 2))
        log.record(Entry(key: key(3000, carol, id: 3), change: .added([bob])))
        #expect(log.departure(of: bob) == nil, "a member again")
        log.record(Entry(key: key(4000, alice, id: 4), change: .removed([bob])))
        log.record(Entry(key: key(4500, carol, id: 5), change: .removed([alice])))
        #expect(log.departure(of: bob) == key(4000, alice, id: 4))
        #expect(log.departure(of: alice) == nil, "Carol may not remove anyone: refused")
        #expect(log.departure(of: dave) == nil, "never a member")
        #expect(log.roster(before: key(3500, bob, id: 9)).isMember(bob))
        #expect(!log.roster(before: key(4001, bob, id: 9)).isMember(bob))
    }

    @Test func aRefusedChangeIsSkippedAndSaysSo() throws {
        var log = GroupMembership(base: try lunch(), baseKey: key(1000, alice, id: 1))
        let byBob = Entry(key: key(2000, bob, id: 2), change: .removed([carol]))
        let byDave = Entry(key: key(2100, dave, id: 3), change: .added([eve]))
        let byAlice = Entry(key: key(2200, alice, id: 4), change: .removed([carol]))
        log.record(byBob)
        log.record(byDave)
        log.record(byAlice)
        #expect(!log.tookEffect(byBob))
        #expect(!log.tookEffect(byDave))
        #expect(log.tookEffect(byAlice))
        #expect(log.roster.members == [alice, bob])
        #expect(log.refused(byBob.key) && log.refused(byDave.key) && !log.refused(byAlice.key))
        #expect(!log.refused(key(1000, alice, id: 1)), "the starting point was never judged")
        #expect(!log.refused(key(3000, bob, id: 9)), "nor was a change not recorded")
    }

    @Test func aLaterArrivingEarlierChangeMakesAHeldOneRefused() throws {
        var log = GroupMembership(base: try lunch(), baseKey: key(1000, alice, id: 1))
        let bobAddsDave = Entry(key: key(2000, bob, id: 2), change: .added([dave]))
        log.record(bobAddsDave)
        #expect(!log.refused(bobAddsDave.key) && log.roster.members == [alice, bob, carol, dave])
        // Alice removed Bob before he added Dave; her change arrives after his.
        log.record(Entry(key: key(1500, alice, id: 3), change: .removed([bob])))
        #expect(log.refused(bobAddsDave.key))
        #expect(log.roster.members == [alice, carol])
    }

    @Test func aResentChangeIsRecordedOnce() throws {
        var log = GroupMembership(base: try lunch(), baseKey: key(1000, alice, id: 1))
        let leave = Entry(key: key(2000, carol, id: 2), change: .left)
        let first = log.record(leave), second = log.record(leave)
        #expect(first && !second)
        #expect(log.entries.count == 1)
    }

    @Test func aNewcomerStartsFromTheRosterItWasAddedWithAndIgnoresOlderChanges() throws {
        let added = try lunch().applying(.added([dave]), by: bob)
        var log = GroupMembership(base: added, baseKey: key(3000, bob, id: 5))
        #expect(log.roster.isMember(dave))
        // An older change reaching Dave late is already in the roster he was given.
        let older = log.record(Entry(key: key(2000, carol, id: 2), change: .left))
        #expect(!older)
        #expect(log.roster.members == [alice, bob, carol, dave])
        let later = log.record(Entry(key: key(4000, alice, id: 6), change: .removed([carol])))
        #expect(later)
        #expect(log.roster.members == [alice, bob, dave])
    }
}
