import NatterCore
import NatterDiscovery
@testable import NatterNode
import Testing

/// A colleague seen at several addresses (both families of a dual-stack LAN,
/// two networks): one address at a time, the next at once when a dial fails.
@Suite("Dial scheduler: a colleague's addresses, one after another")
struct DialSchedulerAddressTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0x50, count: 32))
    let high = DeviceFingerprint(bytes: [UInt8](repeating: 0x90, count: 32))

    static func at(_ seconds: Double) -> MonotonicInstant { DialSchedulerTests.at(seconds) }

    func dualStack(relayable: Bool = false) -> DiscoveredPeer {
        DiscoveredPeer(
            key: .device(high), displayName: "Hi", status: .available, addresses: ["10.231.0.12", "fe80::12%eth0"], tcpPort: 7300,
            relayable: relayable)
    }

    /// A scheduler that sighted the dual-stack colleague and whose dial to their first address failed at `failedAt`.
    func afterTheFirstAddressFailed(at failedAt: Double, relayable: Bool = false) -> DialScheduler {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        scheduler.sighted(dualStack(relayable: relayable))
        let first = scheduler.due(directory: ColleagueDirectory(ownFingerprint: me), at: Self.at(0))
        #expect(first.map(\.host) == ["10.231.0.12"])
        for target in first { scheduler.failed(target, at: Self.at(failedAt)) }
        return scheduler
    }

    @Test func theFirstAddressFirstThenTheNextAtOnceWhenItFails() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(dualStack())
        let first = scheduler.due(directory: directory, at: Self.at(0))
        #expect(first == [.init(host: "10.231.0.12", port: 7300, peer: high)], "IPv4 first, as sighted")
        scheduler.failed(first[0], at: Self.at(0.1))
        let second = scheduler.due(only: .device(high), directory: directory, at: Self.at(0.1))
        #expect(second == [.init(host: "fe80::12%eth0", port: 7300, peer: high)], "the link-local address, at once, with its interface")
        scheduler.failed(second[0], at: Self.at(0.2))
        #expect(scheduler.due(directory: directory, at: Self.at(0.9)).isEmpty, "every address failed: the backoff (1 s after the attempt began)")
        let again = scheduler.due(directory: directory, at: Self.at(1))
        #expect(again == [.init(host: "10.231.0.12", port: 7300, peer: high)], "the next attempt starts with the first address again")
    }

    @Test func theBackoffGrowsOncePerAttemptNotOncePerAddress() {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.sighted(dualStack())
        var firstAddressDials: [Double] = []
        for tenth in 0...700 {
            let seconds = Double(tenth) / 10
            for target in scheduler.due(directory: directory, at: Self.at(seconds)) {
                if target.host == "10.231.0.12" { firstAddressDials.append(seconds) }
                scheduler.failed(target, at: Self.at(seconds))
                for next in scheduler.due(only: .device(high), directory: directory, at: Self.at(seconds)) {
                    #expect(next.host == "fe80::12%eth0")
                    scheduler.failed(next, at: Self.at(seconds))
                }
            }
        }
        let gaps = zip(firstAddressDials.dropFirst(), firstAddressDials).map { $0 - $1 }
        #expect(Array(gaps.prefix(5)) == [1, 2, 4, 8, 16], "as for a colleague with one address")
    }

    @Test func theRelayComesOnlyAfterEveryAddressFailed() {
        var scheduler = afterTheFirstAddressFailed(at: 3, relayable: true)
        let directory = ColleagueDirectory(ownFingerprint: me)
        let second = scheduler.due(only: .device(high), directory: directory, at: Self.at(3))
        #expect(second.map(\.relayed) == [false], "the second address before any relay")
        scheduler.failed(second[0], at: Self.at(6))
        let third = scheduler.due(only: .device(high), directory: directory, at: Self.at(6))
        #expect(third.map(\.relayed) == [true])
    }

    @Test func aLinkOnTheSecondAddressStartsTheNextAttemptAfreshAtTheFirst() {
        var scheduler = afterTheFirstAddressFailed(at: 3)
        var directory = ColleagueDirectory(ownFingerprint: me)
        _ = scheduler.due(only: .device(high), directory: directory, at: Self.at(3))
        _ = directory.linkUp(high, name: "Hi", host: "fe80::12%eth0")
        scheduler.linked(high)
        #expect(scheduler.due(directory: directory, at: Self.at(4)).isEmpty, "linked: nothing to dial")
        _ = directory.linkDown(high)
        #expect(scheduler.due(directory: directory, at: Self.at(50)) == [.init(host: "10.231.0.12", port: 7300, peer: high)])
    }

    @Test func aRejoinStartsEveryAttemptAgainAtTheFirstAddress() {
        var scheduler = afterTheFirstAddressFailed(at: 0.1)
        let directory = ColleagueDirectory(ownFingerprint: me)
        scheduler.rejoin(at: Self.at(0.2))
        #expect(scheduler.due(directory: directory, at: Self.at(0.2)) == [.init(host: "10.231.0.12", port: 7300, peer: high)],
            "this machine's addresses changed: the first address may work now")
    }

    @Test func aStaticPeerOfTwoAddressesIsLinkedThroughEitherAndTriesTheOtherAfterAFailure() throws {
        var scheduler = DialScheduler(ownFingerprint: me, startedAt: Self.at(-10))
        var directory = ColleagueDirectory(ownFingerprint: me)
        let endpoint = try StaticPeer(parsing: "desk-12.office.lan:7300")
        scheduler.sighted(DiscoveredPeer(key: .endpoint(endpoint), addresses: ["10.0.0.7", "2001:db8::7"], tcpPort: 7300))
        let first = scheduler.due(directory: directory, at: Self.at(0))
        #expect(first == [.init(host: "10.0.0.7", port: 7300)])
        scheduler.failed(first[0], at: Self.at(3))
        #expect(scheduler.due(directory: directory, at: Self.at(3)) == [.init(host: "2001:db8::7", port: 7300)])
        _ = directory.linkUp(high, name: "Hi", host: "2001:db8::7")
        #expect(scheduler.due(directory: directory, at: Self.at(5)).isEmpty, "a link from its IPv6 address is the static peer's link")
    }
}
