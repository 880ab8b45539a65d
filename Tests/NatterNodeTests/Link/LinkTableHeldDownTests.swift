import NatterCore
@testable import NatterNode
import NatterWire
import Testing

/// Both sides dialled at once and the side with the higher fingerprint
/// announced the losing link before the winning one completed there: the
/// colleague closes the loser, and that close can arrive before the winning
/// link's last handshake message. The colleague must not flicker offline.
extension LinkTableTests {
    static let lowHost = "10.0.0.1"

    /// High's table with the link it dialled to Low announced, and Low's
    /// own dial (link 2) arrived and still in its handshake.
    private func highWithTheLoserAnnouncedAndTheWinnerHandshaking() -> LinkTable {
        var table = table(high)
        _ = table.established(peer: low, link: LinkID(rawValue: 1), initiator: true, remoteHost: Self.lowHost, keys: highKeys, now: now)
        _ = table.received(.hello(sequence: 0, name: "Low", udpPort: 0, datagramIndex: 7), from: low, on: LinkID(rawValue: 1))
        #expect(table.connectionOpened(LinkID(rawValue: 2), from: Self.lowHost, now: now) == .accept(evicting: nil))
        return table
    }

    @Test func theLoserClosedBeforeTheWinnerCompletedIsAQuietReplacement() {
        var table = highWithTheLoserAnnouncedAndTheWinnerHandshaking()
        #expect(table.closed(LinkID(rawValue: 1), now: now + .milliseconds(20)) == nil, "no down while Low's dial is in its handshake")

        let winner = table.established(peer: low, link: LinkID(rawValue: 2), initiator: false, remoteHost: Self.lowHost, keys: highKeys, now: now + .milliseconds(25))
        #expect(winner.hello != nil && winner.close == nil && winner.down == nil)
        #expect(table.link(to: low) == LinkID(rawValue: 2))
        #expect(table.route(.keepalive(sequence: 0), to: low, preferDatagram: false) != nil, "the daemon still has Low up: frames go on the new link at once")
        #expect(
            table.received(.hello(sequence: 0, name: "Low", udpPort: 0, datagramIndex: 8), from: low, on: LinkID(rawValue: 2))
                == .up(low, name: "Low", remoteHost: Self.lowHost, relayed: false),
            "its hello is reported like a replacement's, for the pin check")
        #expect(table.closed(LinkID(rawValue: 2)) == .down(low), "and its own close is a down as usual")
    }

    @Test func theDownComesWhenTheConnectionItWaitedForFails() {
        var table = highWithTheLoserAnnouncedAndTheWinnerHandshaking()
        #expect(table.closed(LinkID(rawValue: 1), now: now + .milliseconds(20)) == nil)
        #expect(table.closed(LinkID(rawValue: 2)) == .down(low), "its handshake failed or timed out")
        #expect(table.closed(LinkID(rawValue: 2)) == nil, "once")
    }

    @Test func theDownComesWhenTheConnectionItWaitedForIsSomeoneElses() {
        var table = highWithTheLoserAnnouncedAndTheWinnerHandshaking()
        let other = DeviceIdentity().fingerprint
        #expect(table.closed(LinkID(rawValue: 1), now: now + .milliseconds(20)) == nil)
        let someoneElse = table.established(peer: other, link: LinkID(rawValue: 2), initiator: false, remoteHost: Self.lowHost, keys: highKeys)
        #expect(someoneElse.down == low, "a second colleague on Low's machine: Low is down after all")
        #expect(someoneElse.hello != nil)
        #expect(table.route(.keepalive(sequence: 0), to: other, preferDatagram: false) == nil, "the other colleague is new: announced by its own hello")
    }

    @Test func aLinkPastTheCrossingWindowOrWithNoHandshakeFromItsHostGoesDownAtOnce() {
        var late = highWithTheLoserAnnouncedAndTheWinnerHandshaking()
        #expect(late.closed(LinkID(rawValue: 1), now: now + NodeConstants.crossingWindow) == .down(low), "an old link's close is a colleague leaving")

        var elsewhere = highWithTheLoserAnnouncedAndTheWinnerHandshaking()
        _ = elsewhere.closed(LinkID(rawValue: 2))  // Low's dial gave up
        #expect(elsewhere.connectionOpened(LinkID(rawValue: 3), from: "10.0.0.99", now: now) == .accept(evicting: nil))
        #expect(elsewhere.closed(LinkID(rawValue: 1), now: now + .milliseconds(20)) == .down(low), "a handshake from another host says nothing about Low")
    }

    @Test func droppingTheLinksReportsAHeldColleagueDown() {
        var table = highWithTheLoserAnnouncedAndTheWinnerHandshaking()
        #expect(table.closed(LinkID(rawValue: 1), now: now + .milliseconds(20)) == nil)
        #expect(table.drop(unlessFrom: nil).down == [low])
        #expect(table.closed(LinkID(rawValue: 2)) == nil, "already reported")
    }
}
