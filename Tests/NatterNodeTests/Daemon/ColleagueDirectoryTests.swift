import NatterCore
@testable import NatterNode
import Testing

@Suite("Colleague directory: names, presence, PEER")
struct ColleagueDirectoryTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0x50, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let newBob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB1, count: 32))

    /// A device not pinned yet (no hello so far): discovery's name, else the remembered one.
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

    /// mDNS resolvers close once they answer, so a linked colleague's status
    /// changes arrive on the link (Docs/protocol.md §5.3, presence).
    @Test func presenceOnTheLinkOutranksTheRecordUntilTheLinkGoesDown() {
        var directory = ColleagueDirectory(ownFingerprint: me)
        let shownUnlinked = directory.linkPresence(.busy, of: bob), toldUnlinked = directory.takesPresenceOnLink(bob)
        #expect(!shownUnlinked, "not linked: nothing to show")
        #expect(!toldUnlinked, "not linked: nobody to tell")
        _ = directory.sighted(bob, name: "Bob", status: .away)
        _ = directory.linkUp(bob, name: "Bob", host: "h")
        #expect(directory.status(of: bob) == .away, "the record's status until the link says otherwise")
        let told = directory.takesPresenceOnLink(bob)
        #expect(told && directory.presenceOnLink == [bob])
        let changed = directory.linkPresence(.busy, of: bob), changedAgain = directory.linkPresence(.busy, of: bob)
        #expect(changed, "a change users see")
        #expect(!changedAgain, "the same again is no change")
        _ = directory.sighted(bob, name: "Bob", status: .available)
        #expect(directory.status(of: bob) == .busy, "the link is newer than a record read once")
        _ = directory.linkDown(bob)
        #expect(directory.presenceOnLink.isEmpty)
        _ = directory.linkUp(bob, name: "Bob", host: "h")
        #expect(directory.status(of: bob) == .available, "a new link: the record's status until its presence frame")
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

    // MARK: Names are claims, fingerprints are identities

    let mallory = DeviceFingerprint(bytes: [UInt8](repeating: 0x3A, count: 32))

    func pins(_ entries: [(String, DeviceFingerprint)], refused: [(String, DeviceFingerprint)] = []) -> PinTable {
        var table = PinTable()
        for (name, device) in entries { table.pin(name, to: device) }
        for (name, device) in refused { _ = table.refuse(name, device: device, limit: 64) }
        return table
    }

    @Test func aNameResolvesToItsPinnedDeviceAndAnImpostorIsAConflictNotASecondColleague() throws {
        var directory = ColleagueDirectory(ownFingerprint: me, ownName: "Alice", pins: pins([("Bob", bob)], refused: [("Bob", mallory)]))
        _ = directory.linkUp(bob, name: "Bob", host: "10.0.0.2")
        _ = directory.sighted(mallory, name: "Bob", status: .available)
        directory.refused(mallory, claiming: "Bob")
        #expect(directory.candidates.map(\.fingerprint) == [bob])
        #expect(try directory.resolve("Bob").get() == bob)
        #expect(try directory.resolve("bob").get() == bob)
        #expect(directory.name(of: mallory) == String(mallory.compact.prefix(8)), "the claim is not shown as a name")
        let conflict = ColleagueDirectory.Conflict(name: "Bob", claimant: mallory, holder: bob, isOwnName: false, trustable: true)
        #expect(directory.conflicts == [conflict])
        #expect(conflict.commands == ["natter trust 'Bob'", "natter forget \(mallory.compact.prefix(12))"])
    }

    @Test func aNameFromDiscoveryIsCheckedAgainstThePinsButNeverPins() throws {
        var directory = ColleagueDirectory(ownFingerprint: me, ownName: "Alice", pins: pins([("Bob", bob)]))
        _ = directory.sighted(mallory, name: "BOB", status: .available)
        #expect(directory.conflicts.map(\.claimant) == [mallory])
        #expect(directory.conflicts.first?.trustable == false, "no hello was refused: nothing for natter trust to pin")
        #expect(directory.conflicts.first?.commands == ["natter forget \(mallory.compact.prefix(12))"])
        #expect(try directory.resolve("Bob").get() == bob, "Bob is the pinned device, even before it is online")
        // A pinned device's record may carry any name (a member can publish
        // one with anyone's fingerprint): its pinned name stands.
        _ = directory.sighted(bob, name: "Carol", status: .busy)
        #expect(directory.name(of: bob) == "Bob")
        // An unpinned device with a free name is listed by it until its hello.
        let dave = DeviceFingerprint(bytes: [UInt8](repeating: 0xDA, count: 32))
        _ = directory.sighted(dave, name: "Dave", status: .available)
        #expect(try directory.resolve("Dave").get() == dave)
    }

    @Test func aDeviceClaimingThisUsersOwnNameIsAConflictWithThisUser() {
        var directory = ColleagueDirectory(ownFingerprint: me, ownName: "Bob", pins: pins([], refused: [("Bob", mallory)]))
        directory.refused(mallory, claiming: "bob")
        #expect(directory.candidates.isEmpty)
        #expect(directory.conflicts == [ColleagueDirectory.Conflict(name: "bob", claimant: mallory, holder: me, isOwnName: true, trustable: false)])
    }

    @Test func aWholeFingerprintMeansItsDeviceEvenWhenAColleagueIsNamedSo() throws {
        // Eve calls herself by Bob's fingerprint, Frank by Mallory's (Mallory
        // being a conflict under "Bob").
        let eve = DeviceFingerprint(bytes: [UInt8](repeating: 0xE0, count: 32))
        let frank = DeviceFingerprint(bytes: [UInt8](repeating: 0xF0, count: 32))
        let directory = ColleagueDirectory(
            ownFingerprint: me, ownName: "Alice",
            remembered: [
                KnownPeer(fingerprint: bob, displayName: "Bob", lastSeen: 1, shareState: nil),
                KnownPeer(fingerprint: eve, displayName: bob.compact, lastSeen: 1, shareState: nil),
                KnownPeer(fingerprint: frank, displayName: mallory.compact, lastSeen: 1, shareState: nil),
                KnownPeer(fingerprint: mallory, displayName: "Bob", lastSeen: 2, shareState: nil),
            ], pins: pins([("Bob", bob), (bob.compact, eve), (mallory.compact, frank)]))
        #expect(try directory.resolve(bob.compact).get() == bob)
        #expect(try directory.resolve(bob.compact.lowercased()).get() == bob)
        #expect(directory.conflicts.map(\.claimant) == [mallory])
        #expect(try directory.resolveForgettable(mallory.compact).get() == mallory, "the conflict, not Frank")
    }

    @Test func anImpostorRememberedFromAnEarlierRunIsAConflictAndCanBeForgotten() throws {
        var directory = ColleagueDirectory(
            ownFingerprint: me, ownName: "Alice",
            remembered: [
                KnownPeer(fingerprint: bob, displayName: "Bob", lastSeen: 1, shareState: nil),
                KnownPeer(fingerprint: mallory, displayName: "Bob", lastSeen: 2, shareState: nil),
            ], pins: pins([("Bob", bob)]))
        #expect(try directory.resolve("Bob").get() == bob, "not ambiguous: the name means the pinned device")
        #expect(directory.conflicts.map(\.claimant) == [mallory])
        #expect(directory.resolve(String(mallory.compact.prefix(8))) == .failure(.noMatch(String(mallory.compact.prefix(8)))))
        #expect(try directory.resolveForgettable(String(mallory.compact.prefix(12))).get() == mallory)
        #expect(try directory.resolveForgettable("Bob").get() == bob, "a name still means the colleague")
        #expect(try directory.resolveForgettable(mallory.compact).get() == mallory, "the web UI's Forget sends the whole fingerprint")
        directory.forget(mallory)
        #expect(directory.conflicts.isEmpty && directory.candidates.map(\.fingerprint) == [bob])
    }

    @Test func aNameIsQuotedAsOneShellWord() {
        #expect(ColleagueDirectory.Conflict.shellQuoted("Bob") == "'Bob'")
        #expect(ColleagueDirectory.Conflict.shellQuoted("O'Brien; rm -rf ~") == #"'O'\''Brien; rm -rf ~'"#)
    }
}
