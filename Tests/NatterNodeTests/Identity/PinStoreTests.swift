import Foundation
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

@Suite("Pins: trust on first use")
struct PinStoreTests {
    let directory = temporaryDirectory()
    let bob = DeviceIdentity().fingerprint
    let impostor = DeviceIdentity().fingerprint

    @Test func theFirstKeyIsPinnedAndAnotherKeyForTheNameIsRefused() {
        let pins = PinStore(directory: directory)
        #expect(pins.check(name: "Bob", fingerprint: bob) == .firstContact)
        #expect(pins.check(name: "Bob", fingerprint: bob) == .known)
        #expect(pins.check(name: "Bob", fingerprint: impostor) == .conflict(pinned: bob))
        #expect(pins.refused == ["Bob": impostor])
        #expect(PinStore(directory: directory).all == ["Bob": bob], "pins survive a restart")
    }

    @Test func trustPinsExactlyTheRefusedKey() throws {
        let pins = PinStore(directory: directory)
        _ = pins.check(name: "Bob", fingerprint: bob)
        #expect(try pins.trustRefused(name: "Bob") == nil, "nothing was refused, nothing to trust")
        _ = pins.check(name: "Bob", fingerprint: impostor)
        #expect(try pins.trustRefused(name: "Bob") == PinStore.Change(name: "Bob", previous: bob, trusted: impostor))
        #expect(pins.check(name: "Bob", fingerprint: impostor) == .known)
        #expect(pins.check(name: "Bob", fingerprint: bob) == .conflict(pinned: impostor))
    }

    @Test func aDecisionMadeByAnotherProcessIsSeenWithoutARestart() throws {
        let daemon = PinStore(directory: directory)
        _ = daemon.check(name: "Bob", fingerprint: bob)
        _ = daemon.check(name: "Bob", fingerprint: impostor)
        // `natter trust` runs as its own process with its own PinStore.
        #expect(try PinStore(directory: directory).trustRefused(name: "Bob") != nil)
        #expect(daemon.check(name: "Bob", fingerprint: impostor) == .known)
    }

    @Test func theFileIsPrivate() throws {
        _ = PinStore(directory: directory).check(name: "Bob", fingerprint: bob)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/pins")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    // MARK: Names are claims

    @Test func namesAreComparedWithoutCaseSoBobAndBobAreOneClaim() {
        let pins = PinStore(directory: directory)
        #expect(pins.check(name: "Bob", fingerprint: bob) == .firstContact)
        #expect(pins.check(name: "bob", fingerprint: impostor) == .conflict(pinned: bob))
        #expect(pins.check(name: "BOB", fingerprint: bob) == .known, "the pinned device under another spelling")
    }

    @Test func noDeviceIsPinnedUnderThisUsersOwnName() {
        let pins = PinStore(directory: directory)
        #expect(pins.check(name: "Bob", fingerprint: impostor, ownName: "Bob") == .ownName)
        #expect(pins.check(name: "bob", fingerprint: impostor, ownName: "Bob") == .ownName)
        #expect(pins.all.isEmpty, "the impostor is not pinned under Bob's own name")
        #expect(pins.refused == ["bob": impostor], "but recorded as refused (once, as last spelt), to list and to forget")
    }

    @Test func forgetRemovesTheDevicesPinAndRefusalsAndFreesTheName() throws {
        let pins = PinStore(directory: directory)
        let carol = DeviceIdentity().fingerprint
        _ = pins.check(name: "Bob", fingerprint: bob)
        _ = pins.check(name: "Carol", fingerprint: carol)
        _ = pins.check(name: "Bob", fingerprint: impostor)
        _ = pins.check(name: "Carol", fingerprint: impostor)
        #expect(try pins.forget(impostor))
        #expect(pins.refused.isEmpty && pins.all == ["Bob": bob, "Carol": carol], "the impostor's refusals go, the pins stay")
        #expect(try !pins.forget(impostor), "nothing left to forget")
        _ = pins.check(name: "Bob", fingerprint: impostor)
        #expect(try pins.forget(bob))
        #expect(pins.all == ["Carol": carol])
        #expect(pins.refused.isEmpty, "a refusal for a name nobody holds any more conflicts with nobody")
        #expect(pins.check(name: "Bob", fingerprint: impostor) == .firstContact, "the name is free again")
    }

    @Test func refusalsAreBoundedOldestFirst() {
        let pins = PinStore(directory: directory)
        _ = pins.check(name: "Bob", fingerprint: bob)
        let claimants = (0...PinStore.maximumRefusals).map { _ in DeviceIdentity().fingerprint }
        for claimant in claimants { _ = pins.check(name: "Bob", fingerprint: claimant) }
        let kept = pins.table.refusals.map(\.fingerprint)
        #expect(kept.count == PinStore.maximumRefusals)
        #expect(kept.first == claimants[1] && kept.last == claimants.last)
    }

    // MARK: The file (§8.4 gap 16)

    @Test func noNameCanSplitAnEntryOfTheFile() throws {
        // Gap 16: in the line format, this name forged a second line that
        // pinned Alice to Mallory. Admission refuses such names, but the file
        // itself must not depend on that.
        let mallory = DeviceIdentity().fingerprint, alice = DeviceIdentity().fingerprint
        var table = PinTable()
        table.pin("Alice", to: alice)
        let forged = "M\n\(mallory.fullText) Alice\nrefused \(mallory.fullText) Alice\r\n\u{2028}\"}],"
        table.pin(forged, to: mallory)
        let (decoded, legacy) = try PinTable.decode(try table.encoded())
        #expect(decoded == table && !legacy)
        #expect(decoded.pin(for: "Alice")?.fingerprint == alice)
        #expect(decoded.pin(for: forged)?.fingerprint == mallory)
        #expect(decoded.pinned.count == 2 && decoded.refusals.isEmpty)
    }

    @Test func aVersionOneFileIsMigratedOnFirstRead() throws {
        let carol = DeviceIdentity().fingerprint
        let lines = "\(bob.fullText) Bob\n\(carol.fullText) Carol Example\nrefused \(impostor.fullText) Bob\ngarbage\n"
        try lines.write(toFile: directory + "/pins", atomically: true, encoding: .utf8)
        let pins = PinStore(directory: directory)
        #expect(pins.all == ["Bob": bob, "Carol Example": carol])
        #expect(pins.refused == ["Bob": impostor])
        let rewritten = try String(contentsOfFile: directory + "/pins", encoding: .utf8)
        #expect(rewritten.hasPrefix("{") && rewritten.contains(#""version" : 2"#), "rewritten as version 2:\n\(rewritten)")
        #expect(PinStore(directory: directory).table == pins.table, "and read back the same")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/pins")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func aDamagedFileRefusesEveryoneInsteadOfPinningAfresh() throws {
        try "{\"version\": 2, \"pinned\": [".write(toFile: directory + "/pins", atomically: true, encoding: .utf8)
        let pins = PinStore(directory: directory)
        guard case .failed(let error) = pins.check(name: "Bob", fingerprint: impostor) else {
            Issue.record("a damaged pins file must not pin the impostor")
            return
        }
        #expect(error.description.contains("damaged") && error.description.contains("Move it aside"))
        #expect(try String(contentsOfFile: directory + "/pins", encoding: .utf8).hasPrefix("{\"version\": 2, \"pinned\": ["), "kept as it was")
        #expect(throws: PinStoreError.self) { try pins.trustRefused(name: "Bob") }
        let store = try MessageStore(path: directory + "/messages.sqlite")
        #expect(throws: DeviceTrustError.failed(pins.damage?.description ?? "?")) {
            try DeviceTrust.trustRefused(name: "Bob", pins: pins, store: store)
        }
    }
}
