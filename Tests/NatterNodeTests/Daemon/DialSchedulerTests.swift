import NatterCore
import NatterDiscovery
@testable import NatterNode
import Testing

@Suite("Dial scheduler: whom to dial, when")
struct DialSchedulerTests {
    let low = DeviceFingerprint(bytes: [UInt8](repeating: 0x10, count: 32))
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0x50, count: 32))
    let high = DeviceFingerprint(bytes: [UInt8](repeating: 0x90, count: 32))

    static func at(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000))) }

    func sighting(_ peer: DeviceFingerprint, _ address: String) -> DiscoveredPeer {
        DiscoveredPeer(key: .device(peer), displayName: "x", status: .available, addresses: [address], tcpPort: 7300)
    }

    @Test func theLowerFingerprintDialsAtOnceTheHigherAfterAGrace() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(sighting(high, "10.0.0.9"))
        scheduler.sighted(sighting(low, "10.0.0.1"))
        #expect(scheduler.due(directory: directory, at: Self.at(0)) == [.init(host: "10.0.0.9", port: 7300, peer: high)], "I am lower than 0x90: I dial")
        #expect(!scheduler.due(directory: directory, at: Self.at(1.9)).contains(.init(host: "10.0.0.1", port: 7300, peer: low)), "0x10 is lower than me: it dials first")
        #expect(scheduler.due(directory: directory, at: Self.at(0) + NodeConstants.dialGrace).contains(.init(host: "10.0.0.1", port: 7300, peer: low)))
    }

    @Test func aNewcomerDialsEveryoneItSeesAtOnce() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(0))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(sighting(low, "10.0.0.1"))
        #expect(scheduler.due(directory: directory, at: Self.at(0.1)) == [.init(host: "10.0.0.1", port: 7300, peer: low)], "nobody has seen me yet")
        scheduler.sighted(sighting(DeviceFingerprint(bytes: [UInt8](repeating: 0x20, count: 32)), "10.0.0.2"))
        let later = Self.at(0) + NodeConstants.startupDialWindow
        #expect(scheduler.due(directory: directory, at: later).allSatisfy { $0.host != "10.0.0.2" }, "after the window, the lower one dials")
    }

    @Test func failedDialsBackOffDoublingToTheMaximum() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(sighting(high, "10.0.0.9"))
        var dialTimes: [Double] = []
        for tenth in 0...1500 {
            let seconds = Double(tenth) / 10
            if !scheduler.due(directory: directory, at: Self.at(seconds)).isEmpty { dialTimes.append(seconds) }
        }
        let gaps = zip(dialTimes.dropFirst(), dialTimes).map { $0 - $1 }
        #expect(Array(gaps.prefix(6)) == [1, 2, 4, 8, 16, 30])
        #expect(gaps.allSatisfy { $0 <= NodeConstants.dialBackoffMaximum.wholeSeconds })
    }

    @Test func aLinkedColleagueIsNotDialledAndALinkResetsTheBackoff() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        var directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(sighting(high, "10.0.0.9"))
        _ = scheduler.due(directory: directory, at: Self.at(0))
        _ = directory.linkUp(high, name: "Hi", host: "10.0.0.9")
        scheduler.linked(high)
        #expect(scheduler.due(directory: directory, at: Self.at(100)).isEmpty)
        _ = directory.linkDown(high)
        #expect(!scheduler.due(directory: directory, at: Self.at(100)).isEmpty, "gone again: dialled at once, no old backoff")
    }

    @Test func staticPeersAreDialledEveryRoundUntilALinkComesFromTheirAddress() throws {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        var directory = ColleagueDirectory(ownFingerprint: me)
        let endpoint = try StaticPeer(parsing: "10.0.0.7:7300")
        scheduler.sighted(DiscoveredPeer(key: .endpoint(endpoint), addresses: [endpoint.host], tcpPort: endpoint.port))
        #expect(scheduler.due(directory: directory, at: Self.at(0)) == [.init(host: "10.0.0.7", port: 7300)])
        #expect(scheduler.due(directory: directory, at: Self.at(2)) == [.init(host: "10.0.0.7", port: 7300)])
        _ = directory.linkUp(low, name: "Lo", host: "10.0.0.7")
        #expect(scheduler.due(directory: directory, at: Self.at(4)).isEmpty)
        scheduler.lost(.endpoint(endpoint))
        _ = directory.linkDown(low)
        #expect(scheduler.due(directory: directory, at: Self.at(6)).isEmpty, "a sighting that ended is not dialled")
    }

    @Test func myOwnRecordIsNeverDialled() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        scheduler.sighted(sighting(me, "10.0.0.5"))
        #expect(scheduler.due(directory: ColleagueDirectory(ownFingerprint: me), at: Self.at(0)).isEmpty)
    }

    @Test func aFailedDirectDialToAColleagueAForwarderListsIsFollowedByARelayAtOnce() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        let directory = ColleagueDirectory(ownFingerprint: me)
        var listed = sighting(high, "10.0.2.9")
        listed.relayable = true
        scheduler.sighted(listed)
        let first = scheduler.due(directory: directory, at: Self.at(0))
        #expect(first == [.init(host: "10.0.2.9", port: 7300, peer: high)], "direct first")
        scheduler.failed(first[0], at: Self.at(3))
        let second = scheduler.due(only: .device(high), directory: directory, at: Self.at(3))
        #expect(second == [.init(host: "10.0.2.9", port: 7300, peer: high, relayed: true)], "the relay, at once")
        scheduler.failed(second[0], at: Self.at(4))
        let third = scheduler.due(directory: directory, at: Self.at(10))
        #expect(third == [.init(host: "10.0.2.9", port: 7300, peer: high)], "after a failed relay, direct again")
    }

    @Test func aColleagueNoForwarderListsIsNeverRelayed() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(sighting(high, "10.0.0.9"))
        var attempts: [DialScheduler.Target] = []
        for second in 0..<60 {
            let due = scheduler.due(directory: directory, at: Self.at(Double(second)))
            for target in due { scheduler.failed(target, at: Self.at(Double(second))) }
            attempts += due
        }
        #expect(attempts.count > 3)
        #expect(attempts.allSatisfy { !$0.relayed })
    }

    // MARK: Rejoining (issue 14: sleep and address changes)

    @Test func afterARejoinEveryColleagueWithoutALinkIsDueAtOnceWhateverTheBackoffAndFingerprint() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-100))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(sighting(high, "10.0.0.9"))
        scheduler.sighted(sighting(low, "10.0.0.1"))
        for second in 0...61 { _ = scheduler.due(directory: directory, at: Self.at(Double(second))) }  // dialled at 61, next at 91
        #expect(scheduler.due(directory: directory, at: Self.at(62)).isEmpty, "backed off")
        scheduler.rejoin(at: Self.at(62))
        #expect(Set(scheduler.due(directory: directory, at: Self.at(62)).map(\.host)) == ["10.0.0.9", "10.0.0.1"],
            "the higher fingerprint waits no grace: nobody can be dialling a machine that just woke")
        #expect(scheduler.dialsEveryoneAtOnce(at: Self.at(62.5)))
        #expect(!scheduler.dialsEveryoneAtOnce(at: Self.at(62) + NodeConstants.startupDialWindow))
    }

}

extension Duration {
    var wholeSeconds: Double { Double(wholeMilliseconds) / 1000 }
}
