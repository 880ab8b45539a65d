import NatterForwarder
import NatterWire
import Testing

/// What keeps 10,000 idle members cheap (issue 12's benchmark): no timer per
/// member (the kernel watches idle connections), and broadcasts walk a kept order
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

    /// Idle members are the kernel's to watch (TCP keepalives): after the
    /// handshake deadlines, each looked at once, the tick looks at nothing
    /// and sends nothing, however many members there are.
    @Test(arguments: [20, 400])
    func idleMembersGiveTheTickNothingToDo(members count: Int) throws {
        var h = Self.harness()
        for number in 0..<count { _ = try Self.register(number, &h) }
        #expect(h.engine.registeredPeers == count)
        for _ in 0..<4 {
            #expect(h.advance(.seconds(1)).isEmpty)
            #expect(h.engine.lastTickVisits == 0)
        }
        // At 5 s each connection's handshake deadline (met long ago) is looked at once, and dropped.
        #expect(h.advance(.seconds(1)).isEmpty)
        #expect(h.engine.lastTickVisits == count)
        for _ in 0..<60 {
            #expect(h.advance(.seconds(1)).isEmpty)
            #expect(h.engine.lastTickVisits == 0)
        }
        #expect(h.engine.registeredPeers == count)
    }

    /// Members that still send keepalives (older ones) get one answer each, and nothing more.
    @Test func olderMembersKeepalivesAreAnsweredOneForOne() throws {
        var h = Self.harness()
        let talkers = try (0..<5).map { try Self.register($0, &h) }
        for second in 1...20 {
            var answers = 0
            if second % 4 == 0 { for member in talkers { answers += sends(h.send(member, .keepalive)).count } }
            #expect(answers == (second % 4 == 0 ? talkers.count : 0))
            #expect(sends(h.advance(.seconds(1))).isEmpty)
        }
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
