import NatterForwarder
import NatterWire
import Testing

/// What keeps 10,000 idle members cheap (issue 12's benchmark): the tick does
/// work only for deadlines that are due, and broadcasts walk a kept order
/// instead of sorting the member table. Work is counted, not timed.
@Suite("Forwarder at scale")
struct ForwarderScaleTests {
    static func harness() -> Harness {
        var settings = ForwarderSettings()
        settings.handshakesPerSource = 1_000_000
        return Harness(settings: settings)
    }

    /// Member `number` (distinct fingerprints beyond the 256 of `Harness.member`), registered.
    static func register(_ number: Int, _ h: inout Harness) throws -> FakeMember {
        let connected = try h.member(0)
        var keyed = Array(repeating: UInt8(0xEE), count: 16)
        keyed[0] = UInt8(truncatingIfNeeded: number >> 8)
        keyed[1] = UInt8(truncatingIfNeeded: number)
        let member = FakeMember(id: connected.id, remote: connected.remote, channel: connected.channel, keyed: keyed)
        _ = h.send(member, .register(member.entry()))
        return member
    }

    @Test(arguments: [20, 400])
    func aTickWithNothingDueLooksAtNothing(members count: Int) throws {
        var h = Self.harness()
        for number in 0..<count { _ = try Self.register(number, &h) }
        #expect(h.engine.registeredPeers == count)
        for _ in 0..<3 {
            #expect(h.advance(.seconds(1)).isEmpty)
            #expect(h.engine.lastTickVisits == 0, "nothing is due before the first keepalive")
        }
        // At 4 s each member is owed one keepalive: the work due, once each.
        let due = h.advance(.seconds(1))
        #expect(sends(due).count == count)
        #expect(h.engine.lastTickVisits == count)
        // At 5 s each connection's handshake deadline (met long ago) is looked at once, and dropped.
        #expect(h.advance(.seconds(1)).isEmpty)
        #expect(h.engine.lastTickVisits == count)
        for _ in 0..<2 {
            #expect(h.advance(.seconds(1)).isEmpty)
            #expect(h.engine.lastTickVisits == 0)
        }
        #expect(sends(h.advance(.seconds(1))).count == count, "the next keepalives, 4 s later")
    }

    @Test func membersWhoKeepTalkingStayAndTheSilentOneGoes() throws {
        var h = Self.harness()
        let talkers = try (0..<5).map { try Self.register($0, &h) }
        let silent = try Self.register(99, &h)
        var withdrawnAt: Int?
        for second in 1...20 {
            if second % 4 == 0 { for member in talkers { _ = h.send(member, .keepalive) } }
            let actions = h.advance(.seconds(1))
            if closes(actions).contains(silent.id) { withdrawnAt = second }
            #expect(!closes(actions).contains { id in talkers.contains { $0.id == id } })
        }
        #expect(withdrawnAt == 12)
        #expect(h.engine.registeredPeers == 5)
    }

    @Test func theDirectoryIsInRegistrationOrderAndSurvivesWithdrawals() throws {
        var h = Self.harness()
        let members = try (0..<6).map { try Self.register($0, &h) }
        _ = h.send(members[1], .goodbye)
        let late = try h.member(0)
        let keyed = Array(repeating: UInt8(0x77), count: 16)
        let newcomer = FakeMember(id: late.id, remote: late.remote, channel: late.channel, keyed: keyed)
        let directory = try newcomer.inbox(h.send(newcomer, .register(newcomer.entry())))
        let listed = directory.compactMap { message -> [UInt8]? in
            if case .peer(let entry) = message { entry.keyedFingerprint } else { nil }
        }
        // The withdrawn member's place went to the last one: 0, 5, 2, 3, 4.
        #expect(listed == [0, 5, 2, 3, 4].map { members[$0].keyed })
        #expect(directory.last == .directoryComplete)
    }
}
