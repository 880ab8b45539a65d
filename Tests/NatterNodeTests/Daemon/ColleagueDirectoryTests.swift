import NatterCore
@testable import NatterNode
import Testing

@Suite("Colleague directory: names, presence, PEER")
struct ColleagueDirectoryTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0x50, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let newBob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB1, count: 32))

    @Test func namesComeFromDiscoveryThenHelloThenTheFingerprint() {
        var directory = ColleagueDirectory(ownFingerprint: me)
        #expect(directory.name(of: bob) == String(bob.compact.prefix(8)))
        _ = directory.linkUp(bob, name: "Bob", host: "10.0.0.2")
        #expect(directory.name(of: bob) == "Bob")
        let changed = directory.sighted(bob, name: "Bob B.", status: .busy)
        #expect(changed, "a change users see")
        let again = directory.sighted(bob, name: "Bob B.", status: .busy)
        #expect(!again, "the same again is no change")
        #expect(directory.name(of: bob) == "Bob B." && directory.status(of: bob) == .busy)
    }

    @Test func presenceOnlyWhileLinked() {
        var directory = ColleagueDirectory(ownFingerprint: me)
        _ = directory.sighted(bob, name: "Bob", status: .away)
        #expect(directory.status(of: bob) == nil, "seen on mDNS but not linked: offline")
        let arrived = directory.linkUp(bob, name: "Bob", host: "h")
        let arrivedAgain = directory.linkUp(bob, name: "Bob", host: "h")
        #expect(arrived && !arrivedAgain, "a second link is not a second arrival")
        #expect(directory.status(of: bob) == .away)
        let left = directory.linkDown(bob), leftAgain = directory.linkDown(bob)
        #expect(left && !leftAgain)
    }

    @Test func replacingADeviceKeepsOneColleagueUnderTheName() throws {
        var directory = ColleagueDirectory(ownFingerprint: me, remembered: [
            KnownPeer(fingerprint: bob, displayName: "Bob", lastSeen: 1, shareState: false),
            KnownPeer(fingerprint: me, displayName: "Me", lastSeen: 1, shareState: nil),
        ])
        #expect(directory.candidates.map(\.fingerprint) == [bob], "never myself")
        directory.replace(bob, with: newBob)
        #expect(directory.candidates.map(\.fingerprint) == [newBob])
        #expect(directory.overrides == [newBob: false], "the privacy choice follows the colleague")
        #expect(try directory.resolve("bob").get() == newBob)
    }
}
