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
}
