import NatterWire
import Testing

@Suite("Pending handshakes")
struct PendingHandshakesTests {
    typealias Gate = PendingHandshakes<Int>

    @Test func aSourceHoldsAtMostItsShareOfUnadmittedConnections() {
        var gate = Gate(perSource: 2, capacity: 10)
        let answers = [gate.opened(1, from: "a"), gate.opened(2, from: "a"), gate.opened(3, from: "a"), gate.opened(4, from: "b")]
        #expect(answers == [.accept(evicting: nil), .accept(evicting: nil), .refuse, .accept(evicting: nil)], "another source is not affected")
        gate.settled(1)
        let again = gate.opened(5, from: "a")
        #expect(again == .accept(evicting: nil), "an admitted or closed connection frees its place")
    }

    @Test func whenFullTheOldestUnadmittedConnectionMakesRoom() {
        var gate = Gate(perSource: 10, capacity: 3)
        let first = (1...3).map { gate.opened($0, from: "s\($0)") }
        #expect(first.allSatisfy { $0 == .accept(evicting: nil) })
        let fourth = gate.opened(4, from: "s4")
        #expect(fourth == .accept(evicting: 1))
        gate.settled(2)  // admitted: no longer a candidate
        let fifth = gate.opened(5, from: "s5")
        #expect(fifth == .accept(evicting: nil), "room again after an admission")
        let sixth = gate.opened(6, from: "s6")
        #expect(sixth == .accept(evicting: 3), "the admitted one is skipped")
        #expect(gate.count == 3)
        gate.settled(1)  // the evicted connection's close arrives later: harmless
        #expect(gate.count == 3)
    }

    @Test func aColleagueIsNotCrowdedOutByAFloodOfSilentConnections() {
        // A flood from 500 sources that never admit, and a colleague whose
        // message 1 is admitted one connection later: it is never evicted.
        var gate = Gate(perSource: 4, capacity: 32)
        var evicted: Set<Int> = [], refused = 0
        let colleague = 1_000_000
        for id in 0..<10_000 {
            if id == 5_000, case .accept(let victim?) = gate.opened(colleague, from: "colleague") { evicted.insert(victim) }
            if id == 5_001 { gate.settled(colleague) }
            switch gate.opened(id, from: "stranger\(id % 500)") {
            case .accept(let victim?): evicted.insert(victim)
            case .accept(nil): break
            case .refuse: refused += 1
            }
        }
        #expect(gate.count == 32)
        #expect(!evicted.contains(colleague))
        #expect(refused == 0, "32 in flight never reach one source's share of 4 among 500 sources")
        #expect(evicted.count == 10_000 + 1 - 32 - 1, "every stranger but the last 32 was evicted; the colleague was admitted")
    }
}
